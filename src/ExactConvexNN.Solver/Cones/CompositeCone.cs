using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The product K = K_1 x ... x K_p of cones, itself a cone: every operation is applied block by block
/// on the slices [Offset(k), Offset(k) + Dimension_k). The packed W'W block is the concatenation of the
/// blocks' packed forms (see <see cref="HessianOffset"/>).
/// </summary>
public sealed class CompositeCone : ICone
{
    private readonly ICone[] _cones;
    private readonly int[] _offsets;
    private readonly int[] _hessianOffsets;

    private CompositeCone(ICone[] cones)
    {
        _cones = cones;
        _offsets = new int[cones.Length + 1];
        _hessianOffsets = new int[cones.Length + 1];
        for (int k = 0; k < cones.Length; k++)
        {
            _offsets[k + 1] = _offsets[k] + cones[k].Dimension;
            _hessianOffsets[k + 1] = _hessianOffsets[k] + cones[k].HessianBlockLength;
            Degree += cones[k].Degree;
            HasDiagonalScaling &= cones[k].HasDiagonalScaling;
            IsSymmetric &= cones[k].IsSymmetric;
            if (!cones[k].IsSymmetric) NonsymmetricDegree += cones[k].Degree;
        }
    }

    /// <summary>The product of the given cones, in order.</summary>
    public static CompositeCone Create(IReadOnlyList<ICone> cones)
    {
        ArgumentNullException.ThrowIfNull(cones);
        foreach (var c in cones) ArgumentNullException.ThrowIfNull(c);
        return new CompositeCone(cones.ToArray());
    }

    /// <summary>The product described by cone specifications (zero, nonnegative, second-order, semidefinite, exponential).</summary>
    /// <exception cref="ArgumentException">A specification of an unknown kind.</exception>
    public static CompositeCone Create(IReadOnlyList<ConeSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var cones = new ICone[specs.Count];
        for (int k = 0; k < specs.Count; k++)
            cones[k] = specs[k] switch
            {
                ZeroConeSpec z => ZeroCone.Create(z.Dimension),
                NonnegativeConeSpec n => NonnegativeCone.Create(n.Dimension),
                SecondOrderConeSpec q => SecondOrderCone.Create(q.Dimension),
                PsdConeSpec d => PsdCone.Create(d.MatrixOrder),
                ExponentialConeSpec => ExponentialCone.Create(),
                _ => throw new ArgumentException($"unsupported cone kind '{specs[k]?.Kind}'"),
            };
        return new CompositeCone(cones);
    }

    /// <summary>The component cones.</summary>
    public IReadOnlyList<ICone> Cones => _cones;
    /// <summary>First row of cone k.</summary>
    public int Offset(int k) => _offsets[k];
    /// <summary>First entry of cone k's packed W'W block.</summary>
    public int HessianOffset(int k) => _hessianOffsets[k];

    /// <inheritdoc/>
    public int Dimension => _offsets[^1];
    /// <inheritdoc/>
    public int Degree { get; }
    /// <inheritdoc/>
    public bool HasDiagonalScaling { get; } = true;
    /// <inheritdoc/>
    public int HessianBlockLength => _hessianOffsets[^1];
    /// <summary>True when every component cone is symmetric.</summary>
    public bool IsSymmetric { get; } = true;
    /// <summary>The summed degree of the nonsymmetric component cones (0 for a symmetric product).</summary>
    public int NonsymmetricDegree { get; }

    private Range Slice(int k) => _offsets[k].._offsets[k + 1];

    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha) { for (int k = 0; k < _cones.Length; k++) _cones[k].AddScaledUnit(x[Slice(k)], alpha); }
    /// <inheritdoc/>
    public void ShiftToInterior(Span<double> x) { for (int k = 0; k < _cones.Length; k++) _cones[k].ShiftToInterior(x[Slice(k)]); }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda)
    {
        bool ok = true;
        for (int k = 0; k < _cones.Length; k++) ok &= _cones[k].UpdateScaling(s[Slice(k)], z[Slice(k)], lambda[Slice(k)]);
        return ok;
    }

    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y) { for (int k = 0; k < _cones.Length; k++) _cones[k].MultiplyW(x[Slice(k)], y[Slice(k)]); }
    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y) { for (int k = 0; k < _cones.Length; k++) _cones[k].MultiplyWInverse(x[Slice(k)], y[Slice(k)]); }
    /// <inheritdoc/>
    public void MultiplyWTranspose(ReadOnlySpan<double> x, Span<double> y) { for (int k = 0; k < _cones.Length; k++) _cones[k].MultiplyWTranspose(x[Slice(k)], y[Slice(k)]); }
    /// <inheritdoc/>
    public void MultiplyWInverseTranspose(ReadOnlySpan<double> x, Span<double> y) { for (int k = 0; k < _cones.Length; k++) _cones[k].MultiplyWInverseTranspose(x[Slice(k)], y[Slice(k)]); }
    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block) { for (int k = 0; k < _cones.Length; k++) _cones[k].GetHessianBlock(block[_hessianOffsets[k].._hessianOffsets[k + 1]]); }
    /// <inheritdoc/>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) { for (int k = 0; k < _cones.Length; k++) _cones[k].JordanProduct(x[Slice(k)], y[Slice(k)], result[Slice(k)]); }
    /// <inheritdoc/>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result) { for (int k = 0; k < _cones.Length; k++) _cones[k].JordanDivide(lambda[Slice(k)], v[Slice(k)], result[Slice(k)]); }

    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax)
    {
        double alpha = alphaMax;
        for (int k = 0; k < _cones.Length; k++) alpha = _cones[k].StepLength(x[Slice(k)], dx[Slice(k)], alpha);
        return alpha;
    }

    /// <summary>
    /// The largest α &lt;= <paramref name="alphaMax"/> with s + α ds and z + α dz inside the nonsymmetric cones alone (both the
    /// primal and the dual step): whether those cones, not the symmetric ones, are what shortens a step.
    /// </summary>
    public double NonsymmetricStepLength(ReadOnlySpan<double> s, ReadOnlySpan<double> ds, ReadOnlySpan<double> z, ReadOnlySpan<double> dz, double alphaMax)
    {
        double alpha = alphaMax;
        for (int k = 0; k < _cones.Length; k++)
        {
            if (_cones[k].IsSymmetric) continue;
            var r = Slice(k);
            alpha = _cones[k].StepLength(s[r], ds[r], alpha);
            alpha = _cones[k].DualStepLength(z[r], dz[r], alpha);
        }
        return alpha;
    }

    /// <inheritdoc/>
    public double Barrier(ReadOnlySpan<double> x)
    {
        double f = 0;
        for (int k = 0; k < _cones.Length; k++) f += _cones[k].Barrier(x[Slice(k)]);
        return f;
    }

    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g) { for (int k = 0; k < _cones.Length; k++) _cones[k].BarrierGradient(x[Slice(k)], g[Slice(k)]); }
    /// <inheritdoc/>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y) { for (int k = 0; k < _cones.Length; k++) _cones[k].BarrierHessianProduct(x[Slice(k)], v[Slice(k)], y[Slice(k)]); }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda, double mu, bool dualScaling)
    {
        bool ok = true;
        for (int k = 0; k < _cones.Length; k++) ok &= _cones[k].UpdateScaling(s[Slice(k)], z[Slice(k)], lambda[Slice(k)], mu, dualScaling);
        return ok;
    }

    /// <inheritdoc/>
    public void AffineComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, Span<double> ds)
    {
        for (int k = 0; k < _cones.Length; k++) _cones[k].AffineComplementarity(s[Slice(k)], lambda[Slice(k)], ds[Slice(k)]);
    }

    /// <inheritdoc/>
    public void CombinedComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, ReadOnlySpan<double> stepS, ReadOnlySpan<double> stepZ,
        double sigmaMu, bool secondOrder, Span<double> ds, Span<double> work1, Span<double> work2, Span<double> work3)
    {
        for (int k = 0; k < _cones.Length; k++)
        {
            var r = Slice(k);
            _cones[k].CombinedComplementarity(s[r], lambda[r], stepS[r], stepZ[r], sigmaMu, secondOrder, ds[r], work1[r], work2[r], work3[r]);
        }
    }

    /// <inheritdoc/>
    public void SlackOffset(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, Span<double> offset, Span<double> work)
    {
        for (int k = 0; k < _cones.Length; k++) _cones[k].SlackOffset(lambda[Slice(k)], ds[Slice(k)], offset[Slice(k)], work[Slice(k)]);
    }

    /// <inheritdoc/>
    public void SlackStep(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, ReadOnlySpan<double> stepZ, Span<double> stepS, Span<double> work1, Span<double> work2)
    {
        for (int k = 0; k < _cones.Length; k++)
        {
            var r = Slice(k);
            _cones[k].SlackStep(lambda[r], ds[r], stepZ[r], stepS[r], work1[r], work2[r]);
        }
    }

    /// <inheritdoc/>
    public double DualStepLength(ReadOnlySpan<double> z, ReadOnlySpan<double> dz, double alphaMax)
    {
        double alpha = alphaMax;
        for (int k = 0; k < _cones.Length; k++) alpha = _cones[k].DualStepLength(z[Slice(k)], dz[Slice(k)], alpha);
        return alpha;
    }

    /// <inheritdoc/>
    public double DualBarrier(ReadOnlySpan<double> z)
    {
        double f = 0;
        for (int k = 0; k < _cones.Length; k++) f += _cones[k].DualBarrier(z[Slice(k)]);
        return f;
    }
}
