package io.shmipc.tools;

import io.shmipc.core.segment.ChannelNames;
import io.shmipc.core.segment.SharedSegment;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * What a {@code NAME|PATH} argument designates: a channel name means {@code /dev/shm/NAME} (the name is checked
 * first, so it can never lead outside {@code /dev/shm}); an argument containing {@code /} is a path to a segment
 * file, whose semaphores are known only when it lies in {@code /dev/shm}.
 *
 * @param file        the segment file.
 * @param channelName the channel's name, or null when the file is not directly in {@code /dev/shm}.
 */
record SegmentTarget(Path file, String channelName)
{
    /**
     * @param argument a channel name or a path.
     * @return the target.
     * @throws IllegalArgumentException if it is not a path and not a valid channel name.
     */
    static SegmentTarget of(final String argument)
    {
        if (argument.indexOf('/') >= 0)
        {
            final Path file = Paths.get(argument);
            final Path parent = file.toAbsolutePath().normalize().getParent();
            return new SegmentTarget(file,
                SharedSegment.SHM_DIRECTORY.equals(parent) ? file.getFileName().toString() : null);
        }
        return new SegmentTarget(SharedSegment.shmPath(ChannelNames.check(argument)), argument);
    }
}
