package io.shmipc.tools;

import io.shmipc.signals.NamedSignals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the file of a glibc named semaphore, {@code /dev/shm/sem.NAME}, says without opening the semaphore: the
 * count in its first u32 and the number of blocked waiters in the next (spec section 8; little-endian, glibc with
 * 64-bit atomics). Reading the file never changes the semaphore.
 *
 * @param name    the channel-level name, e.g. {@code SimpleIPC_REQ}.
 * @param path    the file.
 * @param exists  whether the file exists.
 * @param value   the count, or -1 if the file is missing, unreadable or shorter than 8 bytes.
 * @param waiters the waiter count, or -1 likewise.
 */
record SemaphoreFile(String name, Path path, boolean exists, long value, long waiters)
{
    /**
     * Read the semaphore file of {@code name}, {@link NamedSignals#linuxFile(String)}.
     *
     * @param name channel-level semaphore name.
     * @return what was found; never throws for a missing or unreadable file.
     * @throws IllegalArgumentException if the name is not a valid signal name.
     */
    static SemaphoreFile read(final String name)
    {
        final Path path = NamedSignals.linuxFile(name);
        if (!Files.exists(path))
        {
            return new SemaphoreFile(name, path, false, -1, -1);
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (bytes.hasRemaining() && channel.read(bytes) >= 0)
            {
                // read up to 8 bytes
            }
            if (bytes.hasRemaining())
            {
                return new SemaphoreFile(name, path, true, -1, -1);
            }
            return new SemaphoreFile(
                name, path, true, Integer.toUnsignedLong(bytes.getInt(0)), Integer.toUnsignedLong(bytes.getInt(4)));
        }
        catch (final IOException ex)
        {
            return new SemaphoreFile(name, path, true, -1, -1);
        }
    }
}
