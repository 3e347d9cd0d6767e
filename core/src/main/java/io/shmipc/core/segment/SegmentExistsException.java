package io.shmipc.core.segment;

/**
 * A segment was to be created where one already exists.
 */
public final class SegmentExistsException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param segment file path or mapping name.
     * @param message what was expected and what was found.
     */
    public SegmentExistsException(final String segment, final String message)
    {
        super(segment, message);
    }
}
