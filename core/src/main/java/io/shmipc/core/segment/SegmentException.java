package io.shmipc.core.segment;

/**
 * A segment could not be created, opened or validated. The message names the segment and what was found;
 * subclasses mark the cases a caller may want to handle differently.
 */
public class SegmentException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String segment;

    /**
     * @param segment file path or mapping name.
     * @param message what is wrong, with expected and found values.
     * @param cause   underlying error, or null.
     */
    public SegmentException(final String segment, final String message, final Throwable cause)
    {
        super(segment + ": " + message, cause);
        this.segment = segment;
    }

    /**
     * @param segment file path or mapping name.
     * @param message what is wrong, with expected and found values.
     */
    public SegmentException(final String segment, final String message)
    {
        this(segment, message, null);
    }

    /**
     * @return file path or mapping name of the segment.
     */
    public String segment()
    {
        return segment;
    }
}
