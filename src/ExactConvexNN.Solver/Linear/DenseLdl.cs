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
    private readonly double[] _d;
    private bool _factored;

    private DenseLdl(CscMatrix upperPattern)
    {
        _n = upperPattern.Columns;
        _colPtr = (int[])upperPattern.ColumnPointers.Clone();
        _rowIdx = upperPattern.RowIndices.AsSpan(0, upperPattern.NonZeros).ToArray();
        _l = new double[(long)_n * _n];
        _d = new double[_n];
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

        // Column by column: d_j = a_jj - sum_k L_jk^2 d_k;  L_ij = (a_ij - sum_k L_ik L_jk d_k) / d_j.
        for (int j = 0; j < n; j++)
        {
            var rowJ = a.Slice(j * n, j);
            double dj = a[j * n + j];
            for (int k = 0; k < j; k++) dj -= rowJ[k] * rowJ[k] * _d[k];
            if (LdlContract.Regularize(ref dj, signs[j], regEpsilon, regDelta)) RegularizedPivots++;
            if (!double.IsFinite(dj)) return false;
            _d[j] = dj;
            for (int i = j + 1; i < n; i++)
            {
                var rowI = a.Slice(i * n, j);
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= rowI[k] * rowJ[k] * _d[k];
                a[i * n + j] = s / dj;
            }
        }
        _factored = true;
        return true;
    }

    /// <inheritdoc/>
    public void Solve(Span<double> rhs)
    {
        LdlContract.ValidateSolve(_n, rhs.Length, _factored);
        int n = _n;
        // L y = b (forward), z = D^-1 y, L' x = z (backward).
        for (int i = 0; i < n; i++)
        {
            double s = rhs[i];
            for (int k = 0; k < i; k++) s -= _l[i * n + k] * rhs[k];
            rhs[i] = s;
        }
        for (int i = 0; i < n; i++) rhs[i] /= _d[i];
        for (int i = n - 1; i >= 0; i--)
        {
            double xi = rhs[i];
            for (int k = 0; k < i; k++) rhs[k] -= _l[i * n + k] * xi;
        }
    }
}
