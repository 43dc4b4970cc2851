namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// A symmetric cone K (or a product of them) as the interior-point method sees it: its unit element,
/// Nesterov–Todd scaling W with W z = W^-T s = λ, the block W'W of the KKT system, the Jordan product
/// used by the Mehrotra correction, step lengths that keep iterates strictly inside, and the log barrier.
/// W need not be symmetric (the PSD cone's W x = svec(R'XR) is not): the method uses W' and W^-T where the
/// derivation has them, and W'W is the Hessian block. Orthant and second-order cones have W' = W, which the default
/// transposed products use. Vectors are spans of length <see cref="Dimension"/>;
/// lengths are the caller's responsibility (checked once at the solver boundary, not inside the loop).
/// <para>
/// A nonsymmetric cone (the exponential cone, <see cref="IsSymmetric"/> false) has no Jordan algebra and no NT scaling. It
/// overrides the members that have a symmetric default: its W is any factor of a primal-dual scaling matrix H = W'W with
/// H z = s (and H ∇f(s) = ∇f*(z)), the complementarity right-hand sides are the central-path condition s + μ∇f*(z) = 0
/// instead of λ∘λ = μe, and the dual iterate lives in the dual cone, which needs its own step length and barrier.
/// </para>
/// </summary>
public interface ICone
{
    /// <summary>Number of entries of a vector of the cone.</summary>
    int Dimension { get; }

    /// <summary>Barrier degree ν (the contribution to s'z = ν μ on the central path).</summary>
    int Degree { get; }

    /// <summary>True when the Hessian block W'W is diagonal (its packed form then holds the diagonal only).</summary>
    bool HasDiagonalScaling { get; }

    /// <summary>Length of the packed W'W block: the diagonal, or the upper triangle packed column by column.</summary>
    int HessianBlockLength { get; }

    /// <summary>x += alpha e, e the unit element of the cone (the zero cone has e = 0).</summary>
    void AddScaledUnit(Span<double> x, double alpha);

    /// <summary>Moves x strictly inside the cone (margin at least one) when it is not already; the zero cone sets x = 0.</summary>
    void ShiftToInterior(Span<double> x);

    /// <summary>
    /// Computes the NT scaling at the interior pair (s, z) and λ = W z. Returns false when s or z is not strictly inside.
    /// </summary>
    bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda);

    /// <summary>y = W x.</summary>
    void MultiplyW(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>y = W^-1 x (zero on the zero cone, where W is not invertible and never needed).</summary>
    void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>y = W' x (the default, for symmetric W, is W x).</summary>
    void MultiplyWTranspose(ReadOnlySpan<double> x, Span<double> y) => MultiplyW(x, y);

    /// <summary>y = W^-T x (the default, for symmetric W, is W^-1 x).</summary>
    void MultiplyWInverseTranspose(ReadOnlySpan<double> x, Span<double> y) => MultiplyWInverse(x, y);

    /// <summary>Writes W'W in packed form (see <see cref="HessianBlockLength"/>).</summary>
    void GetHessianBlock(Span<double> block);

    /// <summary>result = x ∘ y, the Jordan product.</summary>
    void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result);

    /// <summary>result = u solving λ ∘ u = v, for λ strictly inside the cone.</summary>
    void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result);

    /// <summary>The largest α in [0, <paramref name="alphaMax"/>] with x + α dx strictly inside the cone (x strictly inside).</summary>
    double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax);

    /// <summary>The logarithmic barrier f(x) (+infinity outside the interior).</summary>
    double Barrier(ReadOnlySpan<double> x);

    /// <summary>g = ∇f(x).</summary>
    void BarrierGradient(ReadOnlySpan<double> x, Span<double> g);

    /// <summary>y = ∇²f(x) v.</summary>
    void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y);

    /// <summary>True for a symmetric cone (NT scaling, Jordan algebra); false for a nonsymmetric cone such as the exponential cone.</summary>
    bool IsSymmetric => true;

    /// <summary>
    /// Computes the scaling at (s, z) for an iteration whose complementarity measure is <paramref name="mu"/>; with
    /// <paramref name="dualScaling"/>, a nonsymmetric cone uses H = μ∇²f*(z) instead of its primal-dual scaling. Symmetric
    /// cones ignore both and compute the NT scaling (the default calls <see cref="UpdateScaling(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>).
    /// </summary>
    bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda, double mu, bool dualScaling) => UpdateScaling(s, z, lambda);

    /// <summary>The complementarity right-hand side d_s of the affine (predictor) step: λ∘λ, or s for a nonsymmetric cone.</summary>
    void AffineComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, Span<double> ds) => JordanProduct(lambda, lambda, ds);

    /// <summary>
    /// The complementarity right-hand side d_s of the combined step: λ∘λ + (W^-T Δs_a)∘(W Δz_a) - σμ e for a symmetric cone,
    /// s + σμ∇f*(z) - η for a nonsymmetric one (η the third-order correction from the affine step). Without
    /// <paramref name="secondOrder"/> the correction term is left out. <paramref name="work1"/> to <paramref name="work3"/> are
    /// scratch vectors of the cone's length.
    /// </summary>
    void CombinedComplementarity(ReadOnlySpan<double> s, ReadOnlySpan<double> lambda, ReadOnlySpan<double> stepS, ReadOnlySpan<double> stepZ,
        double sigmaMu, bool secondOrder, Span<double> ds, Span<double> work1, Span<double> work2, Span<double> work3)
    {
        JordanProduct(lambda, lambda, ds);
        if (secondOrder)
        {
            MultiplyWInverseTranspose(stepS, work1);
            MultiplyW(stepZ, work2);
            JordanProduct(work1, work2, work3);
            for (int i = 0; i < ds.Length; i++) ds[i] += work3[i];
        }
        AddScaledUnit(ds, -sigmaMu);
    }

    /// <summary>
    /// The term of the slack step that does not depend on Δz: Δs = -(o + W'W Δz) with o = W'(λ\d_s) for a symmetric cone and
    /// o = d_s for a nonsymmetric one. <paramref name="work"/> is a scratch vector of the cone's length.
    /// </summary>
    void SlackOffset(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, Span<double> offset, Span<double> work)
    {
        JordanDivide(lambda, ds, work);
        MultiplyWTranspose(work, offset);
    }

    /// <summary>The slack step Δs = -(o + W'W Δz) with o as in <see cref="SlackOffset"/> (symmetric: -W'(λ\d_s + W Δz)).</summary>
    void SlackStep(ReadOnlySpan<double> lambda, ReadOnlySpan<double> ds, ReadOnlySpan<double> stepZ, Span<double> stepS, Span<double> work1, Span<double> work2)
    {
        JordanDivide(lambda, ds, work1);
        MultiplyW(stepZ, work2);
        for (int i = 0; i < work1.Length; i++) work1[i] += work2[i];
        MultiplyWTranspose(work1, stepS);
        for (int i = 0; i < stepS.Length; i++) stepS[i] = -stepS[i];
    }

    /// <summary>The largest α in [0, <paramref name="alphaMax"/>] with z + α dz strictly inside the dual cone (the default, for a self-dual cone, is <see cref="StepLength"/>).</summary>
    double DualStepLength(ReadOnlySpan<double> z, ReadOnlySpan<double> dz, double alphaMax) => StepLength(z, dz, alphaMax);

    /// <summary>
    /// The barrier f* of the dual cone at z (+infinity outside its interior), normalized with <see cref="Barrier"/> so that
    /// f(s) + f*(z) = -ν log μ on the central path s = -μ∇f*(z) (the default, for a self-dual cone, is <see cref="Barrier"/>).
    /// </summary>
    double DualBarrier(ReadOnlySpan<double> z) => Barrier(z);
}
