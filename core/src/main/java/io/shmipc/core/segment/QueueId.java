package io.shmipc.core.segment;

/**
 * The two queues of a channel segment, in segment order.
 */
public enum QueueId
{
    /** Queue 0: written by the host, read by the guest; its writer posts {@code NAME_REQ}. */
    TO_GUEST("toGuest"),

    /** Queue 1: written by the guest, read by the host; its writer posts {@code NAME_RESP}. */
    FROM_GUEST("fromGuest");

    private final String label;

    QueueId(final String label)
    {
        this.label = label;
    }

    /**
     * Name used in messages, the inspector and its JSON output.
     *
     * @return {@code toGuest} or {@code fromGuest}.
     */
    public String label()
    {
        return label;
    }
}
