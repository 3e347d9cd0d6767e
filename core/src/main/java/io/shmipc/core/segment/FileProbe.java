package io.shmipc.core.segment;

import com.sun.jna.Memory;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * The size and identity (device and inode) of the file at one path, read again at each {@link #refresh()} into a
 * buffer made once: a check repeated every 100 ms, whatever the traffic, allocates nothing on Linux
 * ({@code java.nio.file}'s attributes cost about 500 bytes a call). It uses {@code statx(2)}; where libc lacks it, or
 * the kernel or a container's seccomp profile refuses it ({@code ENOSYS}, {@code EPERM}), it falls back to
 * {@code java.nio.file}, which allocates.
 * <p>
 * Not thread safe: one thread at a time (a probe shared between threads is used under its own monitor).
 */
public final class FileProbe
{
    private final Path file;
    private final byte[] pathBytes;
    private final Memory statx;
    private boolean useStatx;
    private long size;
    private long inode;
    private long device;

    private FileProbe(final Path file, final boolean useStatx)
    {
        this.file = file;
        this.useStatx = useStatx;
        this.pathBytes = useStatx ? Native.toByteArray(file.toString()) : null;
        this.statx = useStatx ? new Memory(LinuxStatx.STRUCT_LENGTH) : null;
    }

    /**
     * @param file the path to probe; it need not exist yet.
     * @return a probe of it; nothing is read until {@link #refresh()}.
     */
    public static FileProbe of(final Path file)
    {
        return new FileProbe(file, LinuxStatx.AVAILABLE);
    }

    /**
     * @return a probe that reads with {@code java.nio.file} only, as where {@code statx} is missing (for tests).
     */
    static FileProbe withoutStatx(final Path file)
    {
        return new FileProbe(file, false);
    }

    /**
     * Read the file's attributes again. On false, {@link #size()}, {@link #inode()} and {@link #device()} keep what
     * the last successful refresh read.
     *
     * @return true if the path names a file whose attributes could be read, false if it is gone (or unreadable).
     */
    public boolean refresh()
    {
        if (useStatx)
        {
            if (LinuxStatx.statx(LinuxStatx.AT_FDCWD, pathBytes, 0, LinuxStatx.STATX_BASIC_STATS, statx) == 0)
            {
                size = statx.getLong(LinuxStatx.SIZE_OFFSET);
                inode = statx.getLong(LinuxStatx.INO_OFFSET);
                device = makedev(statx.getInt(LinuxStatx.DEV_MAJOR_OFFSET) & 0xFFFF_FFFFL,
                    statx.getInt(LinuxStatx.DEV_MINOR_OFFSET) & 0xFFFF_FFFFL);
                return true;
            }
            final int errno = Native.getLastError();
            if (errno != LinuxStatx.ENOSYS && errno != LinuxStatx.EPERM)
            {
                return false;
            }
            useStatx = false;
        }
        return refreshFromNio();
    }

    /** glibc's {@code makedev}: the {@code st_dev} that {@code stat(2)} (and {@code unix:dev}) gives. */
    private static long makedev(final long major, final long minor)
    {
        return ((major & 0xFFFF_F000L) << 32) | ((major & 0xFFFL) << 8) | ((minor & 0xFFFF_FF00L) << 12) |
            (minor & 0xFFL);
    }

    private boolean refreshFromNio()
    {
        try
        {
            if (Platform.IS_LINUX)
            {
                final Map<String, Object> attributes = Files.readAttributes(file, "unix:size,ino,dev");
                size = ((Number)attributes.get("size")).longValue();
                inode = ((Number)attributes.get("ino")).longValue();
                device = ((Number)attributes.get("dev")).longValue();
            }
            else
            {
                size = Files.readAttributes(file, BasicFileAttributes.class).size();
            }
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @return the path probed.
     */
    public Path file()
    {
        return file;
    }

    /**
     * @return the file's length in bytes at the last successful {@link #refresh()}.
     */
    public long size()
    {
        return size;
    }

    /**
     * @return the file's inode at the last successful {@link #refresh()} (0 where the platform has none).
     */
    public long inode()
    {
        return inode;
    }

    /**
     * @return the file system's device at the last successful {@link #refresh()}, as {@code st_dev} (0 where the
     * platform has none).
     */
    public long device()
    {
        return device;
    }
}
