package io.shmipc.core.segment;

/**
 * A mapped segment's file was cut shorter while it was in use (e.g. {@code truncate -s 100 /dev/shm/NAME}): touching
 * the pages past the new end would fault, so the channel stops and names the file and both sizes.
 */
public final class SegmentTruncatedException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    private final long size;
    private final long expectedSize;

    /**
     * @param segment      file path.
     * @param size         the file's size now.
     * @param expectedSize the size the mapping needs.
     * @param cause        the fault that revealed it, or null.
     */
    public SegmentTruncatedException(
        final String segment, final long size, final long expectedSize, final Throwable cause)
    {
        super(segment, "was truncated to " + size + " bytes while mapped (the segment needs " + expectedSize + ")",
            cause);
        this.size = size;
        this.expectedSize = expectedSize;
    }

    /**
     * @return the file's size when the truncation was found.
     */
    public long size()
    {
        return size;
    }

    /**
     * @return the size the mapping needs.
     */
    public long expectedSize()
    {
        return expectedSize;
    }
}
