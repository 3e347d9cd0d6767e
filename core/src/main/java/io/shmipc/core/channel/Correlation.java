package io.shmipc.core.channel;

import org.agrona.DirectBuffer;

/**
 * Reads the correlation id a response carries, so {@link IpcHost} can complete the call that sent the request with
 * that id. The channel never interprets the bytes itself: the id's place is the payload protocol's business (for
 * SimpleIPC's FlatBuffers {@code ipc.Message} it is {@code req_id}, read by
 * {@code io.shmipc.schemas.IpcMessages::reqId}).
 * <p>
 * Called on the reading thread for every response, on the mapped queue: it must not allocate, block or keep the
 * buffer.
 */
@FunctionalInterface
public interface Correlation
{
    /**
     * @param buffer holds the response from {@code index}; valid only during the call.
     * @param index  where the response starts.
     * @param length of the response.
     * @return the id the response carries (the one the request was encoded with).
     * @throws IllegalArgumentException if the bytes are not a response of the protocol; the host counts it as
     *                                  malformed and goes on.
     */
    long correlationId(DirectBuffer buffer, int index, int length);
}
