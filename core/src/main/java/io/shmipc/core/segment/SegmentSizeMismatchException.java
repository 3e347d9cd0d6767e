package io.shmipc.core.segment;

/**
 * The capacities in the queue headers contradict each other or the segment's size.
 */
public final class SegmentSizeMismatchException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param segment file path or mapping name.
     * @param message what was expected and what was found.
     */
    public SegmentSizeMismatchException(final String segment, final String message)
    {
        super(segment, message);
    }
}
