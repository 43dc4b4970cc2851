using ExactConvexNN.Solver.Cones;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Programs;

/// <summary>The symmetric matrix of a PSD block stored as svec (the solver's order, <see cref="PsdCone.SvecIndex"/>).</summary>
internal static class SvecMatrix
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);

    /// <summary>
    /// smat: the order-<paramref name="order"/> matrix whose svec starts at <paramref name="offset"/> of <paramref name="solution"/>
    /// (off-diagonal entries are stored times sqrt 2).
    /// </summary>
    public static Matrix<double> Read(ReadOnlySpan<double> solution, int offset, int order)
    {
        var m = Matrix<double>.Build.Dense(order, order);
        for (int c = 0; c < order; c++)
            for (int r = c; r < order; r++)
            {
                double v = solution[offset + PsdCone.SvecIndex(r, c, order)];
                if (r != c) v /= Sqrt2;
                m[r, c] = v; m[c, r] = v;
            }
        return m;
    }
}
