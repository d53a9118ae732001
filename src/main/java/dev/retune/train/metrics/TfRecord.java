package dev.retune.train.metrics;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files: each record is its length (uint64), the masked CRC32C
 * of those 8 bytes, the data, and the masked CRC32C of the data, all little-endian. The mask (rotate right by 15,
 * add a constant) keeps a CRC of data that itself holds CRCs from being trivially zero.
 */
final class TfRecord {

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecord() {}

    /** {@code data} framed as one record. */
    static ByteBuffer frame(byte[] data) {
        ByteBuffer record = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(data.length);
        record.putInt(maskedCrc(record.array(), 0, 8));
        record.put(data);
        record.putInt(maskedCrc(data, 0, data.length));
        return record.flip();
    }

    /** The masked CRC32C (Castagnoli) of {@code length} bytes of {@code bytes} from {@code offset}. */
    private static int maskedCrc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }
}
