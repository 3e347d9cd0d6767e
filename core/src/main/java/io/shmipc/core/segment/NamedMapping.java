package io.shmipc.core.segment;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * How this operating system names and maps a channel's segment: one implementation per OS, chosen once, so
 * {@link SharedSegment} never branches on the OS and a new OS is one new implementation here.
 */
interface NamedMapping
{
    /** The mapping of the OS this JVM runs on. */
    NamedMapping PLATFORM = Platform.IS_WINDOWS ? new Windows() : new PosixFiles();

    /**
     * Create, map read-write and initialise a new segment named after the channel.
     */
    SharedSegment create(String channelName, int capacity, SegmentLayout layout, Set<PosixFilePermission> permissions);

    /**
     * One attempt to open and validate the channel's segment ({@link SharedSegment#openNamed} retries).
     */
    SharedSegment open(String channelName, boolean readOnly);

    /** Linux (and any POSIX system): the file {@code /dev/shm/NAME} that {@code shm_open("/NAME")} names. */
    final class PosixFiles implements NamedMapping
    {
        public SharedSegment create(
            final String channelName, final int capacity, final SegmentLayout layout,
            final Set<PosixFilePermission> permissions)
        {
            return SharedSegment.create(SharedSegment.shmPath(channelName), capacity, layout, permissions);
        }

        public SharedSegment open(final String channelName, final boolean readOnly)
        {
            return SharedSegment.open(SharedSegment.shmPath(channelName), readOnly);
        }
    }

    /** Windows: the pagefile-backed mapping {@code Local\NAME} (permissions do not apply). */
    final class Windows implements NamedMapping
    {
        private static String mappingName(final String channelName)
        {
            return "Local\\" + ChannelNames.check(channelName);
        }

        public SharedSegment create(
            final String channelName, final int capacity, final SegmentLayout layout,
            final Set<PosixFilePermission> permissions)
        {
            final String name = mappingName(channelName);
            final long length = layout.segmentLength(capacity);
            final WindowsMapping mapping = WindowsMapping.create(name, length);
            final SharedSegment segment = SharedSegment.mapped(
                name, layout, capacity, false, new UnsafeBuffer(mapping.address(), (int)length), mapping::close);
            segment.initialise();
            return segment;
        }

        public SharedSegment open(final String channelName, final boolean readOnly)
        {
            final String name = mappingName(channelName);
            final WindowsMapping header = WindowsMapping.open(name, SegmentLayout.HEADER_LENGTH, readOnly);
            final UnsafeBuffer headerBytes = new UnsafeBuffer(new byte[SegmentLayout.HEADER_LENGTH]);
            try
            {
                headerBytes.putBytes(0, new UnsafeBuffer(header.address(), SegmentLayout.HEADER_LENGTH), 0,
                    SegmentLayout.HEADER_LENGTH);
            }
            finally
            {
                header.close();
            }
            final SegmentLayout layout = SegmentLayout.detect(headerBytes);
            final long capacity = SharedSegment.validateHeader(
                name, layout, headerBytes.getLong(SegmentLayout.CAPACITY_OFFSET), -1);
            final long length = layout.segmentLength(capacity);
            final WindowsMapping mapping = WindowsMapping.open(name, length, readOnly);
            return SharedSegment.validated(SharedSegment.mapped(name, layout, (int)capacity, readOnly,
                new UnsafeBuffer(mapping.address(), (int)length), mapping::close));
        }
    }
}
