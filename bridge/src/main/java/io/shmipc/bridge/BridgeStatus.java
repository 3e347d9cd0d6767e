package io.shmipc.bridge;

import io.aeron.CncFileDescriptor;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the counters of running bridges from outside their process: from the counters file of their Aeron driver
 * ({@code cnc.dat} in the driver's directory), as AeronStat reads Aeron's own.
 */
public final class BridgeStatus
{
    private BridgeStatus()
    {
    }

    /**
     * @param aeronDir the driver's directory.
     * @return the pid of the process that runs the driver (a bridge with an embedded driver: the bridge's).
     * @throws BridgeException with {@link BridgeException#NOT_FOUND} if there is no driver there.
     */
    public static long driverPid(final File aeronDir)
    {
        final MappedByteBuffer mapped = map(aeronDir);
        try
        {
            return CncFileDescriptor.pid(CncFileDescriptor.createMetaDataBuffer(mapped));
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    private static MappedByteBuffer map(final File aeronDir)
    {
        final File cnc = new File(aeronDir, CncFileDescriptor.CNC_FILE);
        if (!cnc.isFile())
        {
            throw new BridgeException(BridgeException.NOT_FOUND, "no Aeron driver in " + aeronDir + " (no " +
                CncFileDescriptor.CNC_FILE + "): is the bridge running? (--aeron-dir DIR for an external driver)");
        }
        return IoUtil.mapExistingFile(cnc, "cnc");
    }

    /**
     * @param aeronDir the driver's directory (a bridge's embedded one, or the external driver's).
     * @return every bridge counter's label and value, in counter order.
     * @throws BridgeException with {@link BridgeException#NOT_FOUND} if there is no driver there.
     */
    public static Map<String, Long> read(final File aeronDir)
    {
        final MappedByteBuffer mapped = map(aeronDir);
        try
        {
            final UnsafeBuffer meta = CncFileDescriptor.createMetaDataBuffer(mapped);
            CncFileDescriptor.checkVersion(meta.getInt(CncFileDescriptor.cncVersionOffset(0)));
            final CountersReader reader = new CountersReader(
                CncFileDescriptor.createCountersMetaDataBuffer(mapped, meta),
                CncFileDescriptor.createCountersValuesBuffer(mapped, meta));
            final Map<String, Long> values = new LinkedHashMap<>();
            reader.forEach((counterId, typeId, keyBuffer, label) ->
            {
                if (typeId == BridgeCounters.TYPE_ID)
                {
                    values.put(label, reader.getCounterValue(counterId));
                }
            });
            return values;
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }
}
