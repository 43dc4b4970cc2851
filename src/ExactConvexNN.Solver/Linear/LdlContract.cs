namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// The pieces of the <see cref="ILdlFactorization"/> contract shared by every backend: pattern validation,
/// argument checks at the public boundary and the dynamic-regularization rule for one pivot.
/// </summary>
internal static class LdlContract
{
    /// <summary>Throws unless <paramref name="upperPattern"/> is square with entries only on or above the diagonal.</summary>
    public static void ValidateUpperPattern(CscMatrix upperPattern)
    {
        ArgumentNullException.ThrowIfNull(upperPattern);
        if (upperPattern.Rows != upperPattern.Columns)
            throw new ArgumentException($"the LDL' pattern must be square, got {upperPattern.Rows}x{upperPattern.Columns}", nameof(upperPattern));
        var colPtr = upperPattern.ColumnPointers; var rowIdx = upperPattern.RowIndices;
        for (int j = 0; j < upperPattern.Columns; j++)
            for (int p = colPtr[j]; p < colPtr[j + 1]; p++)
                if (rowIdx[p] > j)
                    throw new ArgumentException($"the LDL' pattern must hold the upper triangle only, but entry ({rowIdx[p]},{j}) is below the diagonal", nameof(upperPattern));
    }

    /// <summary>Checks the arguments of <see cref="ILdlFactorization.Factor"/> (lengths, signs of ±1, regularization parameters).</summary>
    public static void ValidateFactorArguments(int dimension, int nonZeros, ReadOnlySpan<double> upperValues, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta)
    {
        if (upperValues.Length != nonZeros)
            throw new ArgumentException($"{upperValues.Length} values given for a pattern with {nonZeros} entries", nameof(upperValues));
        if (signs.Length != dimension)
            throw new ArgumentException($"{signs.Length} pivot signs given for a matrix of order {dimension}", nameof(signs));
        for (int i = 0; i < signs.Length; i++)
            if (signs[i] != 1 && signs[i] != -1)
                throw new ArgumentException($"pivot sign {signs[i]} at row {i} must be +1 or -1", nameof(signs));
        if (!(regEpsilon >= 0) || double.IsInfinity(regEpsilon))
            throw new ArgumentOutOfRangeException(nameof(regEpsilon), regEpsilon, "the regularization threshold must be finite and non-negative");
        if (!(regDelta > 0) || double.IsInfinity(regDelta))
            throw new ArgumentOutOfRangeException(nameof(regDelta), regDelta, "the regularization value must be finite and positive");
    }

    /// <summary>Checks the right-hand side length of <see cref="ILdlFactorization.Solve"/> and that a factorization exists.</summary>
    public static void ValidateSolve(int dimension, int rhsLength, bool factored)
    {
        if (rhsLength != dimension)
            throw new ArgumentException($"right-hand side has length {rhsLength}, expected {dimension}", nameof(rhsLength));
        if (!factored)
            throw new InvalidOperationException("Solve needs a successful Factor first");
    }

    /// <summary>
    /// Dynamic regularization of one pivot: when sign * d &lt; regEpsilon (wrong sign or magnitude below
    /// regEpsilon) or d = 0, d becomes sign * regDelta. Returns whether d was replaced. A pivot that is not finite is left
    /// as it is, for the caller's finiteness check: an overflowed factor (an infinite pivot of the wrong sign) must fail
    /// the factorization, not pass it with a regularized pivot and infinite entries in L.
    /// </summary>
    public static bool Regularize(ref double d, sbyte sign, double regEpsilon, double regDelta)
    {
        if (!double.IsFinite(d)) return false;
        if (sign * d < regEpsilon || d == 0.0)
        {
            d = sign * regDelta;
            return true;
        }
        return false;
    }
}
