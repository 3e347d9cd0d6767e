package io.shmipc.core.channel;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The request/response layer knows no payload format: a protocol of its own (an 8-byte id, then an int) works
 * through a {@link Correlation} and a {@link IpcHost.RequestEncoder}, and core's classes reference neither
 * FlatBuffers nor the schemas module.
 */
class CorrelationTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("corr");
    private final String name = channel.name;

    /** Responses are {@code id (long), value (int)}; anything shorter is not a response. */
    private static final Correlation ID_FIRST = (buffer, index, length) ->
    {
        if (length < 12)
        {
            throw new IllegalArgumentException("a response is 12 bytes, got " + length);
        }
        return buffer.getLong(index);
    };

    @Test
    @Timeout(60)
    void callsWithAProtocolOfItsOwnAndMalformedResponsesCounted() throws Exception
    {
        final IpcHost host = channel.keep(IpcHost.start(ChannelConfig.builder(name).build(), ID_FIRST));
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[16]);
        // The guest answers value * 2 with the request's id, and one 3-byte non-response before value 7's answer.
        channel.keep(IpcGuest.start(ChannelConfig.builder(name).build(), (buffer, index, length, guest) ->
        {
            final long id = buffer.getLong(index);
            final int value = buffer.getInt(index + 8);
            if (value == 7)
            {
                guest.respond(reply, 0, 3);
            }
            reply.putLong(0, id);
            reply.putInt(8, value * 2);
            guest.respond(reply, 0, 12);
        }));
        final int[] got = new int[1];
        final IpcHost.ResponseHandler onAnswer = (buffer, index, length) -> got[0] = buffer.getInt(index + 8);
        for (int value = 1; value <= 50; value++)
        {
            final int v = value;
            host.call((buffer, reqId) ->
            {
                buffer.putLong(0, reqId);
                buffer.putInt(8, v);
                return 12;
            }, onAnswer, Duration.ofSeconds(10));
            assertEquals(2 * value, got[0], "answer to " + value);
        }
        assertEquals(1, host.malformedResponses(), "the 3-byte message is counted as malformed");
        assertEquals(0, host.unknownResponses());
        assertEquals(0, host.pendingCalls());
    }

    @Test
    @Timeout(60)
    void anEncoderThatReturnsABadLengthIsRefusedAndFreesItsSlot() throws Exception
    {
        final IpcHost host = channel.keep(IpcHost.start(ChannelConfig.builder(name).callSlots(1).build(), ID_FIRST));
        final IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
            () -> host.call((buffer, reqId) -> 0, Duration.ofSeconds(1)));
        assertTrue(empty.getMessage().contains("returned length 0"), empty.getMessage());
        final IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
            () -> host.call((buffer, reqId) -> buffer.capacity() + 1, Duration.ofSeconds(1)));
        assertTrue(beyond.getMessage().contains("returned length"), beyond.getMessage());
        assertEquals(0, host.pendingCalls(), "the one slot is free again");
    }

    @Test
    void coreReferencesNeitherFlatBuffersNorTheSchemasModule() throws IOException
    {
        final Path classes = Paths.get("target", "classes", "io", "shmipc", "core");
        assertTrue(Files.isDirectory(classes), "run from core/: " + classes.toAbsolutePath());
        final List<Path> offenders;
        try (Stream<Path> files = Files.walk(classes))
        {
            offenders = files.filter(p -> p.toString().endsWith(".class")).filter(p ->
            {
                try
                {
                    final String constants = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                    return constants.contains("com/google/flatbuffers") || constants.contains("io/shmipc/schemas");
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }).collect(Collectors.toList());
        }
        assertEquals(List.of(), offenders, "core classes that use FlatBuffers or io.shmipc.schemas");
    }
}
