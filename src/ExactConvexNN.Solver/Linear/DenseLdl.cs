namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// Dense L D L' factorization without pivoting, with the dynamic regularization of
/// <see cref="ILdlFactorization"/>. O(n^3) time and O(n^2) memory: the reference backend for tests and tiny problems.
/// </summary>
public sealed class DenseLdl : ILdlFactorization
{
    private readonly int[] _colPtr;
    private readonly int[] _rowIdx;
    private readonly int _n;
    // Row-major n x n: on and below the diagonal holds the scattered K, then L (unit diagonal implied).
    private readonly double[] _l;
    private readonly double[] _d, _work;
    private bool _factored;

    private DenseLdl(CscMatrix upperPattern)
    {
        _n = upperPattern.Columns;
        _colPtr = (int[])upperPattern.ColumnPointers.Clone();
        _rowIdx = upperPattern.RowIndices.AsSpan(0, upperPattern.NonZeros).ToArray();
        _l = new double[(long)_n * _n];
        _d = new double[_n];
        _work = new double[DenseKernels.LdlWorkLength(_n)];
    }

    /// <summary>Validates the pattern (square, upper triangle only, diagonal optional) and allocates the dense workspace.</summary>
    /// <param name="upperPattern">Pattern of K's upper triangle; its values are ignored.</param>
    /// <exception cref="ArgumentException">The pattern is not square or has entries below the diagonal.</exception>
    public static DenseLdl Create(CscMatrix upperPattern)
    {
        LdlContract.ValidateUpperPattern(upperPattern);
        return new DenseLdl(upperPattern);
    }

    /// <inheritdoc/>
    public int Dimension => _n;

    /// <inheritdoc/>
    public int RegularizedPivots { get; private set; }

    /// <summary>The pivots D of the last factorization.</summary>
    public ReadOnlySpan<double> D => _d;

    /// <summary>Entry (i, j) of the unit lower triangular factor L of the last factorization.</summary>
    public double L(int i, int j) => i == j ? 1.0 : i > j ? _l[(long)i * _n + j] : 0.0;

    /// <inheritdoc/>
    public bool Factor(ReadOnlySpan<double> upperValues, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta)
    {
        LdlContract.ValidateFactorArguments(_n, _rowIdx.Length, upperValues, signs, regEpsilon, regDelta);
        _factored = false;
        RegularizedPivots = 0;
        int n = _n;
        var a = _l.AsSpan();
        a.Clear();
        // Scatter K(i,j), i <= j, into the lower triangle: a[j,i] = K(i,j).
        for (int j = 0; j < n; j++)
            for (int p = _colPtr[j]; p < _colPtr[j + 1]; p++)
            {
                double v = upperValues[p];
                if (!double.IsFinite(v)) return false;
                a[j * n + _rowIdx[p]] = v;
            }

        if (!DenseKernels.LdlLower(a, n, signs, regEpsilon, regDelta, _d, _work, out int regularized)) return false;
        RegularizedPivots = regularized;
        _factored = true;
        return true;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> rhs)
    {
        LdlContract.ValidateSolve(_n, rhs.Length, _factored);
        DenseKernels.LdlSolve(_l, _n, _d, rhs);
    }
}
