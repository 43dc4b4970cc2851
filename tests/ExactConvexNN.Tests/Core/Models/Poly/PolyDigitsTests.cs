using ExactConvexNN.Models;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Training;
using ExactConvexNN.Verification;

namespace ExactConvexNN.Tests.Core.Models.Poly;

/// <summary>
/// The polynomial CNN on real data (8x8 digits 3 vs 8, pixels / 16): configurations whose optimal PSD blocks are
/// rank-deficient, where the quasi-definite KKT factorization used to break down near the end (almost_solved), must be
/// solved, with the recovered network certified optimal by the solver-independent bound.
/// </summary>
public class PolyDigitsTests
{
    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(":1.0", 1, 3)]   // all 357 rows of the pair, 3x3 pooling tiles
    [InlineData(":0.7", 2, 0)]   // stride 2, global average pooling
    public void RankDeficientDigitsProgramsAreSolvedAndCertified(string rows, int stride, int pool)
    {
        var data = new DataSelection { Labels = [3, 8], Scale = 16, Rows = RowRange.Parse(rows) }
            .Apply(CsvDataReader.Read(CliHarness.Problems("data", "digits8x8.csv.gz")));
        var options = new ModelSpec { Activation = ActivationKind.Poly, Beta = 0.1, Classes = 2, Image = new ImageShape(1, 8, 8, 3, stride, 0, pool).Validated() };
        var r = Fit.Poly(data, options);
        Assert.Equal(SolverStatus.Solved, r.Status);
        var cert = PolyOptimalityVerifier.VerifyBest(r.Network, data.X, r.Targets, 0.1, [r.DualCandidate, null]);
        Assert.True(cert.CertifiedOptimal, $"relative gap {cert.RelativeGap}");
        Assert.True(cert.LowerBound <= r.Primal * (1 + 1e-9), $"bound {cert.LowerBound} above the SDP value {r.Primal}");
    }
}
