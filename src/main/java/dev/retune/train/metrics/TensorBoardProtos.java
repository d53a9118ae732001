package dev.retune.train.metrics;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * The part of TensorFlow's {@code event.proto} and {@code summary.proto} that Retune writes, as descriptors built in
 * code (no protoc, no generated classes): messages are {@code DynamicMessage}s of these types. Names, field numbers
 * and types are TensorFlow's, so any reader of TensorBoard files parses them; fields left out here (graphs,
 * histograms, audio, tensors) are simply never written.
 */
final class TensorBoardProtos {

    /** {@code tensorflow.Event}: wall_time, step and one of file_version, summary, session_log. */
    static final Descriptor EVENT;
    /** {@code tensorflow.Summary}: repeated Value. */
    static final Descriptor SUMMARY;
    /** {@code tensorflow.Summary.Value}: tag and one of simple_value, image. */
    static final Descriptor VALUE;
    /** {@code tensorflow.Summary.Image}: height, width, colorspace, encoded_image_string. */
    static final Descriptor IMAGE;
    /** {@code tensorflow.SessionLog}: status (START = 1 tells readers a run (re)started at this step). */
    static final Descriptor SESSION_LOG;

    static final int SESSION_START = 1;

    static {
        DescriptorProto image = message("Image",
                field("height", 1, Type.TYPE_INT32),
                field("width", 2, Type.TYPE_INT32),
                field("colorspace", 3, Type.TYPE_INT32),
                field("encoded_image_string", 4, Type.TYPE_BYTES));
        DescriptorProto value = message("Value", "value",
                field("tag", 1, Type.TYPE_STRING),
                oneOf(field("simple_value", 2, Type.TYPE_FLOAT)),
                oneOf(field("image", 4, Type.TYPE_MESSAGE).setTypeName(".tensorflow.Summary.Image")));
        DescriptorProto summary = message("Summary",
                field("value", 1, Type.TYPE_MESSAGE).setLabel(Label.LABEL_REPEATED).setTypeName(".tensorflow.Summary.Value"))
                .toBuilder().addNestedType(image).addNestedType(value).build();
        DescriptorProto sessionLog = message("SessionLog",
                field("status", 1, Type.TYPE_ENUM).setTypeName(".tensorflow.SessionLog.SessionStatus"),
                field("checkpoint_path", 2, Type.TYPE_STRING),
                field("msg", 3, Type.TYPE_STRING))
                .toBuilder().addEnumType(EnumDescriptorProto.newBuilder().setName("SessionStatus")
                        .addValue(enumValue("STATUS_UNSPECIFIED", 0)).addValue(enumValue("START", SESSION_START))
                        .addValue(enumValue("STOP", 2)).addValue(enumValue("CHECKPOINT", 3))).build();
        DescriptorProto event = message("Event", "what",
                field("wall_time", 1, Type.TYPE_DOUBLE),
                field("step", 2, Type.TYPE_INT64),
                oneOf(field("file_version", 3, Type.TYPE_STRING)),
                oneOf(field("summary", 5, Type.TYPE_MESSAGE).setTypeName(".tensorflow.Summary")),
                oneOf(field("session_log", 7, Type.TYPE_MESSAGE).setTypeName(".tensorflow.SessionLog")));
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("retune/tensorboard_event.proto").setPackage("tensorflow").setSyntax("proto3")
                .addMessageType(event).addMessageType(summary).addMessageType(sessionLog).build();
        try {
            Descriptors.FileDescriptor built = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
            EVENT = built.findMessageTypeByName("Event");
            SUMMARY = built.findMessageTypeByName("Summary");
            VALUE = SUMMARY.findNestedTypeByName("Value");
            IMAGE = SUMMARY.findNestedTypeByName("Image");
            SESSION_LOG = built.findMessageTypeByName("SessionLog");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TensorBoardProtos() {}

    private static DescriptorProto message(String name, FieldDescriptorProto.Builder... fields) {
        return message(name, null, fields);
    }

    /** A message whose fields marked {@link #oneOf} form its one oneof, {@code oneof}. */
    private static DescriptorProto message(String name, String oneof, FieldDescriptorProto.Builder... fields) {
        DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
        if (oneof != null) {
            message.addOneofDecl(OneofDescriptorProto.newBuilder().setName(oneof));
        }
        for (FieldDescriptorProto.Builder field : fields) {
            message.addField(field);
        }
        return message.build();
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).setLabel(Label.LABEL_OPTIONAL);
    }

    /** A member of the message's only oneof (index 0). */
    private static FieldDescriptorProto.Builder oneOf(FieldDescriptorProto.Builder field) {
        return field.setOneofIndex(0);
    }

    private static EnumValueDescriptorProto enumValue(String name, int number) {
        return EnumValueDescriptorProto.newBuilder().setName(name).setNumber(number).build();
    }
}
