package io.shmipc.tools;

import io.shmipc.core.channel.IpcHost;
import io.shmipc.schemas.IpcMessages;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One calling thread's {@code AddRequest{x,y}} encoder and {@code AddResponse} reader for
 * {@link IpcHost#call(IpcHost.RequestEncoder, IpcHost.ResponseHandler, java.time.Duration)}, reused for every call:
 * a synchronous call with it allocates nothing (no capturing lambda, no copy of the response, no FlatBuffers
 * objects), as an application's hot path would. Used by {@code shmipc host} and {@code bench calls}. Not thread
 * safe: one per calling thread.
 */
public final class AddCall implements IpcHost.RequestEncoder, IpcHost.ResponseHandler
{
    private double x;
    private double y;
    private long sentReqId;
    private long receivedReqId;
    private double result;
    private String problem;

    /**
     * Set the next call's operands and forget the last call's outcome.
     *
     * @return this.
     */
    public AddCall request(final double x, final double y)
    {
        this.x = x;
        this.y = y;
        sentReqId = -1;
        receivedReqId = -1;
        result = Double.NaN;
        problem = null;
        return this;
    }

    /** Writes {@code AddRequest{x,y}} with the host's id. */
    public int encode(final MutableDirectBuffer buffer, final long reqId)
    {
        sentReqId = reqId;
        return IpcMessages.encodeAddRequest(buffer, reqId, x, y);
    }

    /** Reads the response's id and result; a response that is not an AddResponse is recorded as the problem. */
    public void onResponse(final DirectBuffer buffer, final int index, final int length)
    {
        try
        {
            receivedReqId = IpcMessages.reqId(buffer, index, length);
            result = IpcMessages.result(buffer, index, length);
        }
        catch (final IllegalArgumentException ex)
        {
            problem = ex.getMessage();
        }
    }

    /** @return the last call's result, NaN before its response. */
    public double result()
    {
        return result;
    }

    /**
     * @return null if the last call's response carried the request's id and {@code x + y}; otherwise what was wrong
     * (allocated only then).
     */
    public String problem()
    {
        if (null != problem)
        {
            return "req_id " + sentReqId + ": " + problem;
        }
        if (receivedReqId != sentReqId)
        {
            return "req_id " + sentReqId + ": got req_id " + receivedReqId;
        }
        if (result != x + y)
        {
            return "req_id " + sentReqId + ": expected " + (x + y) + ", got " + result;
        }
        return null;
    }
}
