package io.shmipc.core;

/**
 * The ring formats a segment can hold.
 */
public enum SegmentLayout
{
    /** The C++/Go SimpleIPC v1 layout, {@link SimpleIpcDescriptor}: interoperable with those peers. */
    SIMPLE_IPC("simpleipc-v1"),

    /** Two Agrona {@link org.agrona.concurrent.ringbuffer.OneToOneRingBuffer}s, {@link AgronaSegmentDescriptor}: Java peers only. */
    AGRONA("agrona-one-to-one");

    private final String label;

    SegmentLayout(final String label)
    {
        this.label = label;
    }

    /**
     * @return name of the layout in the inspector's output.
     */
    public String label()
    {
        return label;
    }
}
