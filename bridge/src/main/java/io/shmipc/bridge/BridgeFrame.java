package io.shmipc.bridge;

/**
 * The bridge's own header in front of every block it carries over Aeron (little-endian, 24 bytes):
 * <pre>
 *   0  int32  magic  0x42504D53 ("SMPB")
 *   4  int32  kind   1 = request (host-side to guest-side), 2 = response (guest-side to host-side)
 *   8  int64  run    the host-side bridge's run id: a request carries the run it belongs to; a response carries the
 *                    run of the request it answers, so a response of an old run is never written into a new one
 *  16  int64  pos    a request: its block's position in the host's toGuest ring; a response: -1
 *  24  ...    the block's bytes, exactly as they were in the ring (payload-agnostic)
 * </pre>
 * The kind's bit {@link #REDELIVERED} marks a request the host's ring delivered again to a new host-side bridge
 * because its predecessor died before storing readPos: the guest-side drops it if it has delivered that position.
 * One block is one Aeron message: Aeron keeps the boundaries, fragments and reassembles what is longer than its MTU.
 */
final class BridgeFrame
{
    static final int MAGIC = 0x42504D53;
    static final int KIND_REQUEST = 1;
    static final int KIND_RESPONSE = 2;
    static final int MAGIC_OFFSET = 0;
    static final int KIND_OFFSET = 4;
    static final int RUN_OFFSET = 8;
    static final int POSITION_OFFSET = 16;
    static final int HEADER_LENGTH = 24;
    static final int KIND_MASK = 0xFF;
    static final int REDELIVERED = 0x100;
    /** A run id no host-side bridge gives out: responses tagged with it belong to no run. */
    static final long NO_RUN = 0;

    private BridgeFrame()
    {
    }
}
