package io.shmipc.core.segment;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * JNA direct mapping of libc's {@code statx(2)} (glibc 2.28, Linux 4.11), whose {@code struct statx} has one layout
 * on every architecture, unlike {@code struct stat}. Nothing outside {@link FileProbe} uses it. {@link #AVAILABLE}
 * is false where libc has no {@code statx}.
 */
final class LinuxStatx
{
    static final int AT_FDCWD = -100;
    static final int STATX_BASIC_STATS = 0x7ff;
    /** Size of {@code struct statx}. */
    static final int STRUCT_LENGTH = 256;
    static final int NLINK_OFFSET = 16;
    static final int INO_OFFSET = 32;
    static final int SIZE_OFFSET = 40;
    static final int DEV_MAJOR_OFFSET = 136;
    static final int DEV_MINOR_OFFSET = 140;
    static final int EPERM = 1;
    static final int ENOSYS = 38;
    static final boolean AVAILABLE = register();

    private LinuxStatx()
    {
    }

    private static boolean register()
    {
        if (!Platform.IS_LINUX)
        {
            return false;
        }
        try
        {
            Native.register(LinuxStatx.class, NativeLibrary.getInstance("c"));
            return true;
        }
        catch (final LinkageError ex)
        {
            return false;
        }
    }

    /**
     * @param path NUL-terminated bytes of the path (a {@code byte[]}, which direct mapping passes without
     *             allocating, where a {@code String} would be encoded again at every call).
     */
    static native int statx(int dirfd, byte[] path, int flags, int mask, Pointer statxBuffer);
}
