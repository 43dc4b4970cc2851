using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Formats;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Tests.Solver.Formats;

/// <summary>CBF semidefinite sections: PSDVAR/OBJFCOORD/FCOORD become svec variables in a PSD cone; PSDCON/HCOORD/DCOORD become LMI rows.</summary>
public class CbfSemidefiniteTests
{
    private static ProblemFile Parse(string text) => CbfReader.Read(new StringReader(text), "t", "t.cbf");

    /// <summary>θ(C5) in its primal form: max &lt;J, X&gt; s.t. tr X = 1, X_ij = 0 on the edges, X a 5 x 5 PSD variable.</summary>
    private static string ThetaC5()
    {
        var obj = new List<string>(); var f = new List<string>();
        for (int k = 0; k < 5; k++)
            for (int l = 0; l <= k; l++) obj.Add($"0 {k} {l} 1.0");
        for (int k = 0; k < 5; k++) f.Add($"0 0 {k} {k} 1.0");
        for (int e = 0; e < 5; e++) f.Add($"{e + 1} 0 {Math.Max(e, (e + 1) % 5)} {Math.Min(e, (e + 1) % 5)} 1.0");
        return $"VER\n3\nOBJSENSE\nMAX\nPSDVAR\n1\n5\nVAR\n0 0\nCON\n6 1\nL= 6\nOBJFCOORD\n{obj.Count}\n{string.Join("\n", obj)}\n" +
               $"FCOORD\n{f.Count}\n{string.Join("\n", f)}\nBCOORD\n1\n0 -1.0\n";
    }

    [Fact]
    public void PsdVariableBecomesSvecVariablesInAPsdCone()
    {
        var file = Parse(ThetaC5());
        var p = file.Problem;
        Assert.True(file.Maximize);
        Assert.Equal(15, p.Variables);
        Assert.Equal(new ConeSpec[] { new ZeroConeSpec(6), new PsdConeSpec(5) }, p.Cones);
        // <J, X> = Σ diag + 2 Σ offdiag = Σ x̄_diag + √2 Σ x̄_off: minimized negated.
        Assert.Equal(-1.0, p.Q[0]); Assert.Equal(-Math.Sqrt(2), p.Q[1], 12);
        var r = ConicSolver.Solve(p);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal(Math.Sqrt(5), file.ToFileSense(r.PrimalObjective), 6);
        Assert.Equal(1.0, SymmetricMatrices.Smat(r.X, 5).Trace(), 6);
    }

    [Fact]
    public void PsdConstraintBecomesAnLmiOnTheScalarVariables()
    {
        // min y s.t. y I + [[0, 1], [1, 0]] ⪰ 0, i.e. y >= 1 (eigenvalues y ± 1): optimum 1.
        var file = Parse("VER\n3\nVAR\n1 1\nF 1\nPSDCON\n1\n2\nOBJACOORD\n1\n0 1.0\nHCOORD\n2\n0 0 0 0 1.0\n0 0 1 1 1.0\nDCOORD\n1\n0 1 0 1.0\n");
        var p = file.Problem;
        Assert.Equal(new ConeSpec[] { new PsdConeSpec(2) }, p.Cones);
        Assert.Equal([0.0, Math.Sqrt(2), 0.0], p.B);
        var r = ConicSolver.Solve(p);
        Assert.Equal(SolverStatus.Solved, r.Status);
        Assert.Equal(1.0, r.X[0], 6);
    }
}
