namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// A factorization backend for a symmetric quasi-definite matrix K = P' L D L' P, where the
/// sparsity pattern (upper triangle, diagonal included) is fixed at creation and the values are
/// refreshed at each interior-point iteration (symbolic analysis once, numeric factorization many times).
/// </summary>
public interface ILdlFactorization
{
    /// <summary>Order of K.</summary>
    int Dimension { get; }

    /// <summary>
    /// Numeric factorization. <paramref name="upperValues"/> are the values of K's upper triangle in the CSC
    /// order of the pattern given at creation. <paramref name="signs"/>[i] is +1 or -1, the expected sign of the
    /// pivot of row i of K (original ordering). Dynamic regularization: a pivot whose sign is wrong or whose
    /// magnitude is below <paramref name="regEpsilon"/> is replaced by signs[i] * <paramref name="regDelta"/>.
    /// Returns false when the factorization cannot be completed (a non-finite value).
    /// </summary>
    bool Factor(ReadOnlySpan<double> upperValues, ReadOnlySpan<sbyte> signs, double regEpsilon, double regDelta);

    /// <summary>How many pivots the last <see cref="Factor"/> replaced.</summary>
    int RegularizedPivots { get; }

    /// <summary>Solves K x = b with the last factorization; <paramref name="rhs"/> holds b on entry and x on exit.</summary>
    void Solve(Span<double> rhs);
}
