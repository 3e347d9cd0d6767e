package io.shmipc.core.segment;

import io.shmipc.signals.NamedSignals;

import java.nio.charset.StandardCharsets;

/**
 * Checks channel names before anything touches the file system: the name becomes {@code /dev/shm/NAME},
 * {@code /dev/shm/sem.NAME_REQ} and {@code /dev/shm/sem.NAME_RESP} on Linux and {@code Local\NAME} on Windows.
 */
public final class ChannelNames
{
    /**
     * Longest name in UTF-8 bytes: each signal's name, NAME + {@link NamedSignals#REQUEST_SUFFIX} or
     * {@link NamedSignals#RESPONSE_SUFFIX}, must be a valid signal name ({@link NamedSignals#MAX_NAME_BYTES}, so
     * that "sem." + NAME + "_RESP" fits Linux's 255-byte NAME_MAX); the segment's own file, NAME, then fits too.
     */
    public static final int MAX_LENGTH = NamedSignals.MAX_NAME_BYTES -
        Math.max(NamedSignals.REQUEST_SUFFIX.length(), NamedSignals.RESPONSE_SUFFIX.length());

    private ChannelNames()
    {
    }

    /**
     * @param name a channel name.
     * @return the name, unchanged, when it is valid.
     * @throws IllegalArgumentException naming the problem: null or empty, longer than {@link #MAX_LENGTH} bytes,
     *                                  holding '/', '\\', "..", or a control character.
     */
    public static String check(final String name)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("channel name is empty");
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_LENGTH)
        {
            throw new IllegalArgumentException(
                "channel name is " + bytes + " bytes long, more than the " + MAX_LENGTH + " allowed: " + name);
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0)
        {
            throw new IllegalArgumentException("channel name must not contain '/' or '\\': " + name);
        }
        if (name.contains("..") || name.equals("."))
        {
            throw new IllegalArgumentException("channel name must not contain \"..\" or be \".\": " + name);
        }
        for (int i = 0; i < name.length(); i++)
        {
            if (Character.isISOControl(name.charAt(i)))
            {
                throw new IllegalArgumentException(
                    "channel name must not contain control characters (index " + i + "): " +
                    name.replaceAll("\\p{Cntrl}", "?"));
            }
        }
        return name;
    }
}
