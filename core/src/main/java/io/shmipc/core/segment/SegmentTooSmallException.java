package io.shmipc.core.segment;

/**
 * The segment is shorter than a queue header, or shorter than its header says it must be.
 */
public final class SegmentTooSmallException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param segment file path or mapping name.
     * @param message what was expected and what was found.
     */
    public SegmentTooSmallException(final String segment, final String message)
    {
        super(segment, message);
    }
}
