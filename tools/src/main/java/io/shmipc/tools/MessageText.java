package io.shmipc.tools;

import io.shmipc.schemas.IpcMessages;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Renders a message's bytes for a human: the {@code ipc.Message} they hold (req_id, payload type and fields, via
 * {@link IpcMessages#describe}), or a hex dump when they are not one. Never throws for any content.
 */
final class MessageText
{
    /** A hex dump shows at most this many bytes, then says how many more there are. */
    static final int MAX_DUMP_BYTES = 256;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MessageText()
    {
    }

    /**
     * @param payload a message's bytes.
     * @return e.g. {@code {"req_id":6,"payload_type":"AddRequest","payload":{"x":1.0,"y":2.0}}}, or null when the
     * bytes are not a plausible {@code ipc.Message}.
     */
    static String describe(final byte[] payload)
    {
        return IpcMessages.describe(ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * @param payload bytes.
     * @return the first {@value #MAX_DUMP_BYTES} bytes as lowercase hex digits without separators.
     */
    static String hex(final byte[] payload)
    {
        final int shown = Math.min(payload.length, MAX_DUMP_BYTES);
        final StringBuilder text = new StringBuilder(shown * 2);
        for (int i = 0; i < shown; i++)
        {
            text.append(HEX[(payload[i] >> 4) & 0xF]).append(HEX[payload[i] & 0xF]);
        }
        return text.toString();
    }

    /**
     * @param payload bytes.
     * @param indent  prefix of every line.
     * @return lines of {@code offset  16 hex bytes  |ascii|}, at most {@value #MAX_DUMP_BYTES} bytes, then a line
     * saying how many were left out.
     */
    static String hexDump(final byte[] payload, final String indent)
    {
        final int shown = Math.min(payload.length, MAX_DUMP_BYTES);
        final StringBuilder text = new StringBuilder();
        for (int line = 0; line < shown; line += 16)
        {
            text.append(indent).append(String.format("%04x ", line));
            final StringBuilder ascii = new StringBuilder(16);
            for (int i = line; i < line + 16; i++)
            {
                if (i < shown)
                {
                    final int b = payload[i] & 0xFF;
                    text.append(' ').append(HEX[b >> 4]).append(HEX[b & 0xF]);
                    ascii.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
                }
                else
                {
                    text.append("   ");
                }
            }
            text.append("  |").append(ascii).append("|\n");
        }
        if (payload.length > shown)
        {
            text.append(indent).append("... ").append(payload.length - shown).append(" more bytes\n");
        }
        return text.toString();
    }
}
