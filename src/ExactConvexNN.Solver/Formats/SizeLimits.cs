using System.Globalization;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Checks the sizes a file declares (numbers of variables and constraints, matrix orders) before anything is allocated
/// for them: the rows and columns must fit 32-bit indices, a semidefinite block of order k (k(k+1)/2 svec entries) at
/// most order 65535, and an estimate of the working storage must fit the memory available to the process.
/// </summary>
internal static class SizeLimits
{
    /// <summary>Largest matrix order whose svec length k(k+1)/2 fits a 32-bit index.</summary>
    public const int MaxMatrixOrder = 65535;

    /// <summary>Estimated bytes per scalar variable or constraint row: the reader's and the solver's vectors.</summary>
    private const long BytesPerEntry = 64;

    /// <summary>
    /// Fails (naming the current line) unless <paramref name="scalars"/> vector entries plus the svec entries of
    /// <paramref name="matrixOrders"/> fit 32-bit indexing and their estimated storage (64 bytes per entry and one dense
    /// k x k matrix of doubles per block) fits the available memory. <paramref name="what"/> describes the sizes for the message.
    /// </summary>
    public static void Check(LineCursor cur, long scalars, IEnumerable<int> matrixOrders, string what)
    {
        long entries = scalars;
        double bytes = BytesPerEntry * (double)scalars;
        foreach (int k in matrixOrders)
        {
            if (k > MaxMatrixOrder)
                throw cur.Error($"a {k} x {k} matrix block is too large: its {(long)k * (k + 1) / 2} svec entries exceed 32-bit indexing (order at most {MaxMatrixOrder}); fix the declared order");
            entries += (long)k * (k + 1) / 2;
            bytes += BytesPerEntry * ((double)k * (k + 1) / 2) + 8.0 * k * k;
        }
        if (entries > int.MaxValue)
            throw cur.Error($"{what} add up to {entries} rows or columns, more than 32-bit indexing allows ({int.MaxValue}); fix the declared sizes");
        long available = AvailableBytes();
        if (bytes > available)
            throw cur.Error(string.Create(CultureInfo.InvariantCulture,
                $"{what} need about {bytes:0} bytes ({bytes / 1e9:0.#} GB) of working storage but only about {available} bytes ({available / 1e9:0.#} GB) are available; fix the declared sizes or use a machine with more memory"));
    }

    /// <summary>Memory the process may still allocate: the GC's limit (physical memory or the container's) less what is in use.</summary>
    private static long AvailableBytes()
    {
        var info = GC.GetGCMemoryInfo();
        return Math.Max(0, info.TotalAvailableMemoryBytes - GC.GetTotalMemory(forceFullCollection: false));
    }
}
