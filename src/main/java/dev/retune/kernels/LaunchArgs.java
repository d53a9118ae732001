package dev.retune.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.pytorch.Tensor;

/**
 * A kernel's parameter list for {@code cuLaunchKernel}: one 8-byte native slot per parameter, written in the
 * kernel's declaration order, and the array of slot addresses the driver reads them through (4-byte parameters use
 * the slot's first bytes; x86-64 and CUDA are little-endian).
 */
final class LaunchArgs implements AutoCloseable {

    private static final int SLOT = 8;

    private final BytePointer slots;
    private final LongPointer addresses; // void*[]: written as plain 64-bit addresses
    private final int capacity;
    private int count;

    LaunchArgs(int capacity) {
        this.capacity = capacity;
        slots = new BytePointer((long) capacity * SLOT);
        addresses = new LongPointer(capacity);
    }

    /** A device pointer: the tensor's data, or NULL for an absent optional tensor. */
    LaunchArgs pointer(Tensor tensor) {
        return i64(tensor == null ? 0 : tensor.data_ptr().address());
    }

    LaunchArgs i64(long value) {
        slots.putLong((long) next() * SLOT, value);
        return this;
    }

    LaunchArgs i32(int value) {
        slots.putInt((long) next() * SLOT, value);
        return this;
    }

    LaunchArgs f32(float value) {
        slots.putFloat((long) next() * SLOT, value);
        return this;
    }

    private int next() {
        if (count == capacity) {
            throw new IllegalStateException("more kernel parameters than the " + capacity + " declared");
        }
        addresses.put(count, slots.address() + (long) count * SLOT);
        return count++;
    }

    /** How many parameters were written. */
    int count() {
        return count;
    }

    /** The {@code void** kernelParams} array, viewing the addresses written so far. */
    PointerPointer<BytePointer> addresses() {
        return new PointerPointer<>(addresses);
    }

    /** The value written in slot {@code index}, as the driver will read 8 bytes of it (for tests). */
    long slot(int index) {
        return slots.getLong((long) index * SLOT);
    }

    /** The address the driver reads parameter {@code index} from. */
    long address(int index) {
        return addresses.get(index);
    }

    long slotAddress(int index) {
        return slots.address() + (long) index * SLOT;
    }

    @Override
    public void close() {
        addresses.close();
        slots.close();
    }
}
