package io.shmipc.schemas;

import com.google.flatbuffers.FlatBufferBuilder;
import ipc.AddRequest;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandRequest;
import ipc.MyRandResponse;
import ipc.Payload;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes and inspects the {@code ipc.Message} FlatBuffers of the SimpleIPC v1 demo and interop workload
 * (spec section 6). The channels never depend on this class: they carry raw bytes, and these messages are
 * only what the C++ host and Go guest exchange. {@code IpcHost} calls use {@link #reqId(DirectBuffer, int, int)}
 * as their correlation and the {@code MutableDirectBuffer} encoders as request encoders.
 * <p>
 * <b>Encoding</b> goes into a caller-owned {@link FlatBufferBuilder} that is {@link FlatBufferBuilder#clear()
 * cleared} first, so one builder per thread can be reused for every message without allocating once it has
 * grown to fit. The returned {@link ByteBuffer} is the builder's own buffer, positioned at the first byte
 * of the finished message with its limit at the last: it is valid only until the builder is used again.
 * Fields equal to their schema default (0) are not written, exactly as the C++ and Go builders do. The
 * {@link MutableDirectBuffer} overloads encode with a builder of the calling thread and copy the finished message
 * to index 0 of the destination, returning its length.
 * <p>
 * <b>Reading</b> looks at the bytes from {@code position()} to {@code limit()} of the given buffer, with
 * absolute reads only: the buffer's position, limit and byte order are never changed, nothing is copied
 * and nothing is allocated (except by {@link #describe(ByteBuffer)}). Every offset is bounds-checked
 * against that window before it is followed, because flatbuffers-java 2.0.8 has no verifier and the
 * generated accessors would throw {@link IndexOutOfBoundsException} (or read a neighbour's bytes) on
 * corrupt input.
 * <p>
 * All methods are stateless and thread safe; a builder or buffer must not be shared between threads
 * while in use.
 */
public final class IpcMessages
{
    private static final int SIZE_OF_SHORT = 2;
    private static final int SIZE_OF_INT = 4;
    private static final int SIZE_OF_LONG = 8;
    private static final int SIZE_OF_DOUBLE = 8;

    private static final int MESSAGE_REQ_ID = 0;
    private static final int MESSAGE_PAYLOAD_TYPE = 1;
    private static final int MESSAGE_PAYLOAD = 2;
    private static final int ADD_REQUEST_X = 0;
    private static final int ADD_REQUEST_Y = 1;
    private static final int RESULT = 0;

    /** Field not present in the table: the reader uses the schema default. */
    private static final int ABSENT = -1;
    /** Offsets that leave the buffer, misaligned data or an inconsistent table. */
    private static final int INVALID = -2;

    private static final ThreadLocal<FlatBufferBuilder> BUILDERS =
        ThreadLocal.withInitial(() -> new FlatBufferBuilder(256));
    private static final ThreadLocal<UnsafeBuffer> VIEWS = ThreadLocal.withInitial(UnsafeBuffer::new);

    private IpcMessages()
    {
    }

    /**
     * Encode {@code Message{req_id, AddRequest{x, y}}} into {@code dst} from index 0.
     *
     * @param dst   where the message goes (an expandable buffer grows to fit).
     * @param reqId request id, an unsigned 64-bit value on the wire.
     * @param x     first operand.
     * @param y     second operand.
     * @return the message's length.
     */
    public static int encodeAddRequest(final MutableDirectBuffer dst, final long reqId, final double x, final double y)
    {
        return copy(encodeAddRequest(BUILDERS.get(), reqId, x, y), dst);
    }

    /**
     * Encode {@code Message{req_id, AddResponse{result}}} into {@code dst} from index 0.
     *
     * @param dst    where the message goes.
     * @param reqId  id of the request this answers.
     * @param result the sum.
     * @return the message's length.
     */
    public static int encodeAddResponse(final MutableDirectBuffer dst, final long reqId, final double result)
    {
        return copy(encodeAddResponse(BUILDERS.get(), reqId, result), dst);
    }

    /**
     * Encode {@code Message{req_id, MyRandRequest{}}} into {@code dst} from index 0.
     *
     * @param dst   where the message goes.
     * @param reqId request id.
     * @return the message's length.
     */
    public static int encodeMyRandRequest(final MutableDirectBuffer dst, final long reqId)
    {
        return copy(encodeMyRandRequest(BUILDERS.get(), reqId), dst);
    }

    /**
     * Encode {@code Message{req_id, MyRandResponse{result}}} into {@code dst} from index 0.
     *
     * @param dst    where the message goes.
     * @param reqId  id of the request this answers.
     * @param result the random value.
     * @return the message's length.
     */
    public static int encodeMyRandResponse(final MutableDirectBuffer dst, final long reqId, final double result)
    {
        return copy(encodeMyRandResponse(BUILDERS.get(), reqId, result), dst);
    }

    private static int copy(final ByteBuffer message, final MutableDirectBuffer dst)
    {
        final int length = message.remaining();
        dst.putBytes(0, message, message.position(), length);
        return length;
    }

    /**
     * Read {@code req_id} of the Message in {@code [index, index + length)} of {@code buffer}, in place: the
     * correlation of {@code IpcHost} calls ({@code IpcMessages::reqId}). Checks as {@link #reqId(ByteBuffer)}.
     *
     * @param buffer holds the message; not modified.
     * @param index  where the message starts.
     * @param length of the message.
     * @return the request id (0 when absent).
     * @throws IllegalArgumentException if the root table or the field lies outside the range or is misaligned.
     */
    public static long reqId(final DirectBuffer buffer, final int index, final int length)
    {
        final int end = index + length;
        final int table = rootTable(buffer, index, end);
        final int field = field(buffer, index, end, table, MESSAGE_REQ_ID, SIZE_OF_LONG);
        if (INVALID == table || INVALID == field)
        {
            throw notAMessage("req_id", index, end, table);
        }
        return ABSENT == field ? 0L : readLong(buffer, field);
    }

    /**
     * Read {@code payload.result} of an {@code AddResponse} or {@code MyRandResponse} Message in
     * {@code [index, index + length)}, in place, with no allocation: a response handler's decoder.
     *
     * @param buffer holds the message; not modified.
     * @param index  where the message starts.
     * @param length of the message.
     * @return the result (0 when the field is absent, which is how builders encode 0).
     * @throws IllegalArgumentException if the bytes are not such a response, or an offset leaves the range.
     */
    public static double result(final DirectBuffer buffer, final int index, final int length)
    {
        final int end = index + length;
        final int table = rootTable(buffer, index, end);
        final int typeField = field(buffer, index, end, table, MESSAGE_PAYLOAD_TYPE, 1);
        final int payloadField = field(buffer, index, end, table, MESSAGE_PAYLOAD, SIZE_OF_INT);
        if (INVALID == table || INVALID == typeField || INVALID == payloadField)
        {
            throw notAMessage("payload", index, end, table);
        }
        final byte type = ABSENT == typeField ? Payload.NONE : buffer.getByte(typeField);
        if ((Payload.AddResponse != type && Payload.MyRandResponse != type) || ABSENT == payloadField)
        {
            throw new IllegalArgumentException("not an AddResponse or MyRandResponse: payload type " + type +
                (ABSENT == payloadField ? " with no payload" : "") + " in bytes [" + index + ", " + end + ")");
        }
        final int followed = followOffset(buffer, index, end, payloadField);
        final int payload = INVALID == followed ? INVALID : checkedTable(buffer, index, end, followed);
        final int result = field(buffer, index, end, payload, RESULT, SIZE_OF_DOUBLE);
        if (INVALID == result)
        {
            throw notAMessage("result", index, end, payload);
        }
        return ABSENT == result ? 0.0 : Double.longBitsToDouble(readLong(buffer, result));
    }

    /**
     * As {@link #result(DirectBuffer, int, int)}, for the Message between {@code position()} and {@code limit()}.
     *
     * @param message buffer positioned at the first byte of a finished Message; not modified.
     * @return the result.
     */
    public static double result(final ByteBuffer message)
    {
        return result(view(message), message.position(), message.remaining());
    }

    /**
     * As {@link #isPlausibleMessage(ByteBuffer)}, for the message in {@code [index, index + length)}.
     *
     * @param buffer holds the message; not modified.
     * @param index  where the message starts.
     * @param length of the message.
     * @return true if every accessor of the generated classes can read it without leaving the range.
     */
    public static boolean isPlausibleMessage(final DirectBuffer buffer, final int index, final int length)
    {
        return isPlausible(buffer, index, index + length);
    }

    private static DirectBuffer view(final ByteBuffer message)
    {
        final UnsafeBuffer view = VIEWS.get();
        view.wrap(message);
        return view;
    }

    /**
     * Encode {@code Message{req_id, AddRequest{x, y}}}.
     *
     * @param builder cleared and reused; must not be in the middle of building another object.
     * @param reqId   request id, an unsigned 64-bit value on the wire.
     * @param x       first operand.
     * @param y       second operand.
     * @return the builder's buffer holding exactly the finished message, valid until the builder is reused.
     */
    public static ByteBuffer encodeAddRequest(
        final FlatBufferBuilder builder, final long reqId, final double x, final double y)
    {
        builder.clear();
        final int payload = AddRequest.createAddRequest(builder, x, y);
        return finish(builder, reqId, Payload.AddRequest, payload);
    }

    /**
     * Encode {@code Message{req_id, AddResponse{result}}}.
     *
     * @param builder cleared and reused; must not be in the middle of building another object.
     * @param reqId   id of the request this answers, an unsigned 64-bit value on the wire.
     * @param result  the sum.
     * @return the builder's buffer holding exactly the finished message, valid until the builder is reused.
     */
    public static ByteBuffer encodeAddResponse(final FlatBufferBuilder builder, final long reqId, final double result)
    {
        builder.clear();
        final int payload = AddResponse.createAddResponse(builder, result);
        return finish(builder, reqId, Payload.AddResponse, payload);
    }

    /**
     * Encode {@code Message{req_id, MyRandRequest{}}}.
     *
     * @param builder cleared and reused; must not be in the middle of building another object.
     * @param reqId   request id, an unsigned 64-bit value on the wire.
     * @return the builder's buffer holding exactly the finished message, valid until the builder is reused.
     */
    public static ByteBuffer encodeMyRandRequest(final FlatBufferBuilder builder, final long reqId)
    {
        builder.clear();
        MyRandRequest.startMyRandRequest(builder);
        final int payload = MyRandRequest.endMyRandRequest(builder);
        return finish(builder, reqId, Payload.MyRandRequest, payload);
    }

    /**
     * Encode {@code Message{req_id, MyRandResponse{result}}}.
     *
     * @param builder cleared and reused; must not be in the middle of building another object.
     * @param reqId   id of the request this answers, an unsigned 64-bit value on the wire.
     * @param result  the random value.
     * @return the builder's buffer holding exactly the finished message, valid until the builder is reused.
     */
    public static ByteBuffer encodeMyRandResponse(
        final FlatBufferBuilder builder, final long reqId, final double result)
    {
        builder.clear();
        final int payload = MyRandResponse.createMyRandResponse(builder, result);
        return finish(builder, reqId, Payload.MyRandResponse, payload);
    }

    /**
     * Read {@code req_id} of the Message between {@code position()} and {@code limit()}.
     * Checks only the root offset, the root table's vtable and the field itself.
     *
     * @param message buffer positioned at the first byte of a finished Message; not modified.
     * @return the request id as the 64 bits of an unsigned value (use {@link Long#toUnsignedString(long)}
     * to print it), or 0 when the field is absent, which is how builders encode 0.
     * @throws IllegalArgumentException if the root table or the field lies outside the window or is misaligned.
     */
    public static long reqId(final ByteBuffer message)
    {
        return reqId(view(message), message.position(), message.remaining());
    }

    /**
     * Read {@code payload_type} of the Message between {@code position()} and {@code limit()}.
     * Checks only the root offset, the root table's vtable and the field itself; the value is not checked
     * against the known {@link Payload} types.
     *
     * @param message buffer positioned at the first byte of a finished Message; not modified.
     * @return one of the {@link Payload} constants, {@link Payload#NONE} when the field is absent.
     * @throws IllegalArgumentException if the root table or the field lies outside the window or is misaligned.
     */
    public static byte payloadType(final ByteBuffer message)
    {
        return payloadType(view(message), message.position(), message.limit());
    }

    private static byte payloadType(final DirectBuffer message, final int start, final int end)
    {
        final int table = rootTable(message, start, end);
        final int field = field(message, start, end, table, MESSAGE_PAYLOAD_TYPE, 1);
        if (INVALID == table || INVALID == field)
        {
            throw notAMessage("payload_type", start, end, table);
        }
        return ABSENT == field ? Payload.NONE : message.getByte(field);
    }

    /**
     * Whether the bytes between {@code position()} and {@code limit()} are a structurally valid
     * {@code ipc.Message}: the root table, its payload table and every present field lie inside the window,
     * are aligned as FlatBuffers requires relative to the window start, and the payload type is one this
     * schema knows. Stricter than the C++ verifier in one respect: an unknown union type is rejected rather
     * than accepted for forward compatibility, since SimpleIPC v1 has exactly four. A true result does not
     * mean a peer sent it: random bytes can form a valid Message.
     *
     * @param message buffer to inspect; not modified.
     * @return true if every accessor of the generated classes can read it without leaving the window.
     */
    public static boolean isPlausibleMessage(final ByteBuffer message)
    {
        return isPlausible(view(message), message.position(), message.limit());
    }

    private static boolean isPlausible(final DirectBuffer message, final int start, final int end)
    {
        final int table = rootTable(message, start, end);
        final int typeField = field(message, start, end, table, MESSAGE_PAYLOAD_TYPE, 1);
        final int payloadField = field(message, start, end, table, MESSAGE_PAYLOAD, SIZE_OF_INT);
        if (INVALID == table || INVALID == typeField || INVALID == payloadField ||
            INVALID == field(message, start, end, table, MESSAGE_REQ_ID, SIZE_OF_LONG))
        {
            return false;
        }

        final byte type = ABSENT == typeField ? Payload.NONE : message.getByte(typeField);
        switch (type)
        {
            case Payload.NONE:
                return true;

            case Payload.AddRequest:
            case Payload.AddResponse:
            case Payload.MyRandRequest:
            case Payload.MyRandResponse:
                return ABSENT == payloadField || payloadFieldsValid(message, start, end, payloadField, type);

            default:
                return false;
        }
    }

    /**
     * Render the Message between {@code position()} and {@code limit()} as the JSON-like text of spec
     * section 8, e.g. {@code {"req_id":6,"payload_type":"AddRequest","payload":{"x":1.0,"y":2.0}}}.
     * Like {@code flatc --json}, only fields present in the buffer are printed (a builder omits fields equal
     * to their default of 0, so {@code AddRequest{0, 0}} prints as {@code "payload":{}}); {@code req_id} is
     * printed unsigned and doubles with {@link Double#toString(double)}, so NaN and infinities are printed
     * as {@code NaN}/{@code Infinity}, which strict JSON does not allow. Allocates the returned string:
     * meant for tools and logs, not for the message path.
     * <p>
     * Never throws for any content of the window: corrupt, truncated or random bytes give null.
     *
     * @param message buffer to inspect; not modified.
     * @return the text, or null when the bytes are not a plausible Message (see {@link #isPlausibleMessage}).
     */
    public static String describe(final ByteBuffer message)
    {
        final DirectBuffer view = view(message);
        final int start = message.position();
        final int end = message.limit();
        return isPlausible(view, start, end) ? describe(view, start, end) : null;
    }

    /** Everything was bounds-checked by isPlausible. */
    private static String describe(final DirectBuffer message, final int start, final int end)
    {
        final int table = rootTable(message, start, end);
        final int reqIdField = field(message, start, end, table, MESSAGE_REQ_ID, SIZE_OF_LONG);
        final int typeField = field(message, start, end, table, MESSAGE_PAYLOAD_TYPE, 1);
        final int payloadField = field(message, start, end, table, MESSAGE_PAYLOAD, SIZE_OF_INT);
        final byte type = ABSENT == typeField ? Payload.NONE : message.getByte(typeField);

        final StringBuilder text = new StringBuilder(96).append('{');
        String separator = "";
        if (ABSENT != reqIdField)
        {
            text.append("\"req_id\":").append(Long.toUnsignedString(readLong(message, reqIdField)));
            separator = ",";
        }
        if (ABSENT != typeField)
        {
            text.append(separator).append("\"payload_type\":\"").append(Payload.name(type)).append('"');
            separator = ",";
        }
        if (ABSENT != payloadField && Payload.NONE != type)
        {
            final int payload = followOffset(message, start, end, payloadField);
            text.append(separator).append("\"payload\":{");
            if (Payload.AddRequest == type)
            {
                final int x = field(message, start, end, payload, ADD_REQUEST_X, SIZE_OF_DOUBLE);
                final int y = field(message, start, end, payload, ADD_REQUEST_Y, SIZE_OF_DOUBLE);
                appendDouble(text, message, appendDouble(text, message, "", "x", x), "y", y);
            }
            else if (Payload.AddResponse == type || Payload.MyRandResponse == type)
            {
                appendDouble(text, message, "", "result", field(message, start, end, payload, RESULT, SIZE_OF_DOUBLE));
            }
            text.append('}');
        }
        return text.append('}').toString();
    }

    private static ByteBuffer finish(
        final FlatBufferBuilder builder, final long reqId, final byte type, final int payload)
    {
        final int root = Message.createMessage(builder, reqId, type, payload);
        Message.finishMessageBuffer(builder, root);
        return builder.dataBuffer();
    }

    private static boolean payloadFieldsValid(
        final DirectBuffer bb, final int start, final int end, final int payloadField, final byte type)
    {
        final int followed = followOffset(bb, start, end, payloadField);
        final int table = INVALID == followed ? INVALID : checkedTable(bb, start, end, followed);
        switch (type)
        {
            case Payload.AddRequest:
                return INVALID != field(bb, start, end, table, ADD_REQUEST_X, SIZE_OF_DOUBLE) &&
                    INVALID != field(bb, start, end, table, ADD_REQUEST_Y, SIZE_OF_DOUBLE);

            case Payload.AddResponse:
            case Payload.MyRandResponse:
                return INVALID != field(bb, start, end, table, RESULT, SIZE_OF_DOUBLE);

            default:
                return INVALID != table;
        }
    }

    /**
     * Appends {@code "name":value} after {@code separator} when the field is present.
     *
     * @return the separator for the next field: "," once something has been printed.
     */
    private static String appendDouble(
        final StringBuilder text, final DirectBuffer bb, final String separator, final String name, final int field)
    {
        if (ABSENT == field)
        {
            return separator;
        }
        text.append(separator).append('"').append(name).append("\":")
            .append(Double.longBitsToDouble(readLong(bb, field)));
        return ",";
    }

    /**
     * Position of the root table, or INVALID. The root uoffset sits at the window start.
     */
    private static int rootTable(final DirectBuffer bb, final int start, final int end)
    {
        if (end - start < SIZE_OF_INT)
        {
            return INVALID;
        }
        final int table = followOffset(bb, start, end, start);
        return INVALID == table ? INVALID : checkedTable(bb, start, end, table);
    }

    /**
     * The uoffset stored at {@code at} (already known to be in bounds) added to {@code at}, or INVALID if
     * the target leaves the window.
     */
    private static int followOffset(final DirectBuffer bb, final int start, final int end, final int at)
    {
        if ((at - start) % SIZE_OF_INT != 0)
        {
            return INVALID;
        }
        final long target = at + (readInt(bb, at) & 0xFFFF_FFFFL);
        return target + SIZE_OF_INT <= end ? (int)target : INVALID;
    }

    /**
     * Checks the table at {@code table} and its vtable: both inside the window, aligned, with sizes that fit.
     *
     * @return {@code table} if consistent, else INVALID.
     */
    private static int checkedTable(final DirectBuffer bb, final int start, final int end, final int table)
    {
        if (table < start || (long)table + SIZE_OF_INT > end || (table - start) % SIZE_OF_INT != 0)
        {
            return INVALID;
        }
        final long vtable = (long)table - readInt(bb, table);
        if (vtable < start || vtable + 2L * SIZE_OF_SHORT > end || (vtable - start) % SIZE_OF_SHORT != 0)
        {
            return INVALID;
        }
        final int vtableSize = readUnsignedShort(bb, (int)vtable);
        final int tableSize = readUnsignedShort(bb, (int)vtable + SIZE_OF_SHORT);
        if (vtableSize < 2 * SIZE_OF_SHORT || (vtableSize & 1) != 0 || vtable + vtableSize > end ||
            tableSize < SIZE_OF_INT || (long)table + tableSize > end)
        {
            return INVALID;
        }
        return table;
    }

    /**
     * Absolute position of field {@code index} of a table already checked by {@link #checkedTable}, ABSENT if
     * the vtable has no entry for it, or INVALID if it is outside the table's inline size or misaligned.
     */
    private static int field(
        final DirectBuffer bb, final int start, final int end, final int table, final int index, final int size)
    {
        if (INVALID == table)
        {
            return INVALID;
        }
        final int vtable = table - readInt(bb, table);
        final int vtableSize = readUnsignedShort(bb, vtable);
        final int entry = 2 * SIZE_OF_SHORT + index * SIZE_OF_SHORT;
        if (entry + SIZE_OF_SHORT > vtableSize)
        {
            return ABSENT;
        }
        final int fieldOffset = readUnsignedShort(bb, vtable + entry);
        if (0 == fieldOffset)
        {
            return ABSENT;
        }
        final int tableSize = readUnsignedShort(bb, vtable + SIZE_OF_SHORT);
        final int position = table + fieldOffset;
        if (fieldOffset < SIZE_OF_INT || fieldOffset + size > tableSize || position + size > end ||
            (position - start) % size != 0)
        {
            return INVALID;
        }
        return position;
    }

    private static IllegalArgumentException notAMessage(
        final String field, final int start, final int end, final int table)
    {
        final String where = INVALID == table ? "root table" : "field " + field + " of the root table at " + table;
        return new IllegalArgumentException("not an ipc.Message: " + where + " lies outside bytes [" + start + ", " +
            end + ") or is misaligned, cannot read " + field);
    }

    // FlatBuffers is little-endian whatever order the caller's ByteBuffer is set to.

    private static int readUnsignedShort(final DirectBuffer bb, final int index)
    {
        return bb.getShort(index, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    private static int readInt(final DirectBuffer bb, final int index)
    {
        return bb.getInt(index, ByteOrder.LITTLE_ENDIAN);
    }

    private static long readLong(final DirectBuffer bb, final int index)
    {
        return bb.getLong(index, ByteOrder.LITTLE_ENDIAN);
    }
}
