namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// A symmetric cone K (or a product of them) as the interior-point method sees it: its unit element,
/// Nesterov–Todd scaling W with W z = W^-T s = λ, the block W'W of the KKT system, the Jordan product
/// used by the Mehrotra correction, step lengths that keep iterates strictly inside, and the log barrier.
/// W need not be symmetric (the PSD cone's W x = svec(R'XR) is not): the method uses W' and W^-T where the
/// derivation has them, and W'W is the Hessian block. Orthant and second-order cones have W' = W, which the default
/// transposed products use. Vectors are spans of length <see cref="Dimension"/>;
/// lengths are the caller's responsibility (checked once at the solver boundary, not inside the loop).
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
}
