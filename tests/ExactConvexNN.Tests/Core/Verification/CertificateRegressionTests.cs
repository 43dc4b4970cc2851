using ExactConvexNN.Data;

namespace ExactConvexNN.Tests.Core.Verification;

/// <summary>Cases the certificate properties once failed on (data in problems/regressions/, see its README).</summary>
public class CertificateRegressionTests
{
    public static TheoryData<string, double, bool> Cases => new()
    {
        // y = 0: the optimum is 0 and the solver stops at 5e-10; the relative gap was 1 (now: absolute gap <= 1e-8).
        { "zero_target.csv", 0.01, true },
        // One sample, optimum 2.9e-5 resolved to the solver's absolute 3e-9: relative gap 1e-4.
        { "tiny_optimum.csv", 0.1, false },
        // rho(y) = beta exactly (f = 0 optimal, first-order flat): the solver leaves neurons of size sqrt(1e-8) whose
        // gradient is 2 beta 1e-4, above a tolerance that ignored beta.
        { "flat_dual.csv", 2.0, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PropertiesHoldOnSavedFailures(string file, double beta, bool bias)
    {
        var data = CsvDataReader.Read(CliHarness.Problems("regressions", file));
        CertificatePropertyTests.AssertConvexCertified(data, beta, bias, file);
        CertificatePropertyTests.AssertRunsAboveBound(data, beta, bias, 1, file);
        CertificatePropertyTests.AssertStationary(data, beta, bias, file);
    }
}
