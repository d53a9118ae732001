package dev.retune.train.metrics;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a TensorBoard event file back for tests, independently of the writer: its own CRC check of every record's
 * two checksums, and protobuf-java's schema-less parser ({@link UnknownFieldSet}) with the field numbers of
 * TensorFlow's event.proto and summary.proto written out here, so a wrong number in the writer's descriptors fails.
 */
final class TfEventsReader {

    record Scalar(long step, String tag, float value) {}

    record Image(long step, String tag, int height, int width, int colorspace, byte[] png) {}

    /** Everything a file holds: its file_version, the steps of its SessionLog STARTs, scalars, images, wall times. */
    record Events(String fileVersion, List<Long> sessionStarts, List<Scalar> scalars, List<Image> images,
                  List<Double> wallTimes) {}

    private TfEventsReader() {}

    static Events read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        String fileVersion = null;
        List<Long> starts = new ArrayList<>();
        List<Scalar> scalars = new ArrayList<>();
        List<Image> images = new ArrayList<>();
        List<Double> wallTimes = new ArrayList<>();
        while (bytes.hasRemaining()) {
            UnknownFieldSet event = UnknownFieldSet.parseFrom(record(bytes, file));
            wallTimes.add(Double.longBitsToDouble(only(event, 1).getFixed64List().get(0)));
            long step = event.hasField(2) ? only(event, 2).getVarintList().get(0) : 0;
            if (event.hasField(3)) {
                fileVersion = only(event, 3).getLengthDelimitedList().get(0).toStringUtf8();
            }
            if (event.hasField(7)) {
                UnknownFieldSet sessionLog = parse(only(event, 7).getLengthDelimitedList().get(0));
                if (only(sessionLog, 1).getVarintList().get(0) == 1) {
                    starts.add(step);
                }
            }
            if (event.hasField(5)) {
                for (ByteString valueBytes : parse(only(event, 5).getLengthDelimitedList().get(0)).getField(1).getLengthDelimitedList()) {
                    UnknownFieldSet value = parse(valueBytes);
                    String tag = only(value, 1).getLengthDelimitedList().get(0).toStringUtf8();
                    if (value.hasField(2)) {
                        scalars.add(new Scalar(step, tag, Float.intBitsToFloat(only(value, 2).getFixed32List().get(0))));
                    } else {
                        UnknownFieldSet image = parse(only(value, 4).getLengthDelimitedList().get(0));
                        images.add(new Image(step, tag, varint(image, 1), varint(image, 2), varint(image, 3),
                                only(image, 4).getLengthDelimitedList().get(0).toByteArray()));
                    }
                }
            }
        }
        return new Events(fileVersion, starts, scalars, images, wallTimes);
    }

    /** The data of the next record, after checking its length's and its data's masked CRC32C. */
    private static byte[] record(ByteBuffer bytes, Path file) {
        int at = bytes.position();
        if (bytes.remaining() < 12) {
            throw new AssertionError(file + ": torn record header at byte " + at);
        }
        byte[] lengthBytes = new byte[8];
        bytes.get(lengthBytes);
        long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        check(Integer.toUnsignedLong(bytes.getInt()), lengthBytes, file, "length", at);
        if (length > bytes.remaining() - 4) {
            throw new AssertionError(file + ": record at byte " + at + " claims " + length + " bytes");
        }
        byte[] data = new byte[(int) length];
        bytes.get(data);
        check(Integer.toUnsignedLong(bytes.getInt()), data, file, "data", at);
        return data;
    }

    private static void check(long stored, byte[] covered, Path file, String what, int at) {
        CRC32C crc = new CRC32C();
        crc.update(covered);
        long value = crc.getValue();
        long masked = ((value >>> 15 | value << 17) + 0xa282ead8L) & 0xffffffffL;
        if (stored != masked) {
            throw new AssertionError(file + ": bad " + what + " CRC in the record at byte " + at);
        }
    }

    private static UnknownFieldSet parse(ByteString bytes) throws InvalidProtocolBufferException {
        return UnknownFieldSet.parseFrom(bytes);
    }

    /** The field, which must occur once. */
    private static UnknownFieldSet.Field only(UnknownFieldSet message, int number) {
        UnknownFieldSet.Field field = message.getField(number);
        int count = field.getVarintList().size() + field.getFixed32List().size() + field.getFixed64List().size()
                + field.getLengthDelimitedList().size();
        if (count != 1) {
            throw new AssertionError("field " + number + " occurs " + count + " times in " + message);
        }
        return field;
    }

    private static int varint(UnknownFieldSet message, int number) {
        return Math.toIntExact(only(message, number).getVarintList().get(0));
    }
}
