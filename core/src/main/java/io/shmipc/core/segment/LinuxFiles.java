package io.shmipc.core.segment;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * JNA direct mapping of the few libc file calls the segment lock needs. Nothing outside {@link SegmentLock} uses it.
 */
final class LinuxFiles
{
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 02000000;
    static final int LOCK_SH = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    static final int LOCK_UN = 8;
    static final int EWOULDBLOCK = 11;
    static final int EINTR = 4;

    static
    {
        Native.register(LinuxFiles.class, NativeLibrary.getInstance("c"));
    }

    private LinuxFiles()
    {
    }

    static native int open(String path, int flags);

    static native int flock(int fd, int operation);

    static native int close(int fd);

    static native String strerror(int errnum);
}
