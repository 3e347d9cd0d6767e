package io.shmipc.core.segment;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A pagefile-backed named mapping on Windows ({@code Local\NAME}) through JNA direct mapping of kernel32.
 * Compiled everywhere, exercised only on Windows: it is untested by this project's CI, which runs on Linux.
 */
final class WindowsMapping
{
    private static final int PAGE_READWRITE = 0x04;
    private static final int FILE_MAP_WRITE = 0x0002;
    private static final int FILE_MAP_READ = 0x0004;
    private static final int ERROR_ALREADY_EXISTS = 183;
    private static final int ERROR_FILE_NOT_FOUND = 2;

    private final String name;
    private final Pointer handle;
    private final Pointer view;

    private WindowsMapping(final String name, final Pointer handle, final Pointer view)
    {
        this.name = name;
        this.handle = handle;
        this.view = view;
    }

    static WindowsMapping create(final String name, final long length)
    {
        final Pointer handle = Kernel32.CreateFileMappingA(
            Pointer.createConstant(-1), null, PAGE_READWRITE, (int)(length >>> 32), (int)length, name);
        final int error = Native.getLastError();
        if (handle == null)
        {
            throw new SegmentException(name, "CreateFileMappingA failed, error " + error);
        }
        if (error == ERROR_ALREADY_EXISTS)
        {
            Kernel32.CloseHandle(handle);
            throw new SegmentExistsException(name, "a mapping of this name already exists");
        }
        return mapView(name, handle, FILE_MAP_READ | FILE_MAP_WRITE, length);
    }

    static WindowsMapping open(final String name, final long length, final boolean readOnly)
    {
        final int access = readOnly ? FILE_MAP_READ : FILE_MAP_READ | FILE_MAP_WRITE;
        final Pointer handle = Kernel32.OpenFileMappingA(access, false, name);
        if (handle == null)
        {
            final int error = Native.getLastError();
            if (error == ERROR_FILE_NOT_FOUND)
            {
                throw new SegmentNotFoundException(name, "no such mapping (has the channel's host started?)");
            }
            throw new SegmentException(name, "OpenFileMappingA failed, error " + error);
        }
        return mapView(name, handle, access, length);
    }

    private static WindowsMapping mapView(final String name, final Pointer handle, final int access, final long length)
    {
        final Pointer view = Kernel32.MapViewOfFile(handle, access, 0, 0, length);
        if (view == null)
        {
            final int error = Native.getLastError();
            Kernel32.CloseHandle(handle);
            throw new SegmentException(name, "MapViewOfFile of " + length + " bytes failed, error " + error);
        }
        return new WindowsMapping(name, handle, view);
    }

    long address()
    {
        return Pointer.nativeValue(view);
    }

    void close()
    {
        Kernel32.UnmapViewOfFile(view);
        Kernel32.CloseHandle(handle);
    }

    @Override
    public String toString()
    {
        return "WindowsMapping{" + name + '}';
    }

    /** Direct mapping of the kernel32 calls used; registered on first use, so only on Windows. */
    private static final class Kernel32
    {
        static
        {
            Native.register("kernel32");
        }

        static native Pointer CreateFileMappingA(
            Pointer file, Pointer attributes, int protect, int maximumSizeHigh, int maximumSizeLow, String name);

        static native Pointer OpenFileMappingA(int desiredAccess, boolean inheritHandle, String name);

        static native Pointer MapViewOfFile(
            Pointer mapping, int desiredAccess, int fileOffsetHigh, int fileOffsetLow, long numberOfBytesToMap);

        static native boolean UnmapViewOfFile(Pointer baseAddress);

        static native boolean CloseHandle(Pointer handle);
    }
}
