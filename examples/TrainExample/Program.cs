// Trains two-layer ReLU networks to their global optimum and prints the recovered networks.
//   dotnet run --project examples/TrainExample
using System.Globalization;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Models;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string problems = FindProblems();

// 1. The three-point example of the lecture: X = [[2,2],[3,3],[1,0]], y = [1,2,0].
var three = CsvDataReader.Read(Path.Combine(problems, "three_point.csv"));
Show("three-point problem, beta = 0.1", three, new ModelSpec { Beta = 0.1 });

// 2. A real data set: iris petal width from sepal length and width (two features and a bias).
var iris = CsvDataReader.Read(Path.Combine(problems, "data", "iris.csv"), "label");
var x = new double[iris.Rows, 2];
var y = new double[iris.Rows];
for (int i = 0; i < iris.Rows; i++) { x[i, 0] = iris.X[i, 0]; x[i, 1] = iris.X[i, 1]; y[i] = iris.X[i, 3]; }
var petal = Dataset.Create(x, y, ["sepal_length", "sepal_width"], "petal_width", "iris (sepal -> petal width)");
Show("iris: petal width from sepal length and width, with bias, beta = 1", petal, new ModelSpec { Beta = 1.0, Bias = true });

static void Show(string title, Dataset data, ModelSpec model)
{
    // data -> chambers -> convex program -> interior-point solve -> recovered network -> certificate
    var r = ModelPipeline.Train(data, model);
    var cert = r.Certificate!;
    var network = (TwoLayerReluNetwork)r.Network;
    Console.WriteLine($"== {title}");
    Console.WriteLine($"   {r.Chambers} activation patterns, status {r.Status}, optimum {r.Primal:G8} ({r.Seconds:F2} s)");
    Console.WriteLine($"   certified lower bound {cert.LowerBound:G8}, relative gap {cert.RelativeGap:E1}: {(cert.CertifiedOptimal ? "certified optimal" : "NOT certified")}");
    Console.WriteLine($"   f(x) = sum_j w_j (x'u_j{(network.Bias ? " + b_j" : "")})_+ with {network.Neurons.Count} neurons:");
    foreach (var n in network.Neurons.OrderByDescending(n => Math.Abs(n.W)).Take(8))
        Console.WriteLine($"     w = {n.W,9:F4}   u = ({string.Join(", ", n.U.Select(v => v.ToString("F4")))})");
    if (network.Neurons.Count > 8) Console.WriteLine($"     ... and {network.Neurons.Count - 8} smaller neurons");
    Console.WriteLine();
}

static string FindProblems()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems"))) dir = dir.Parent;
    return dir is null ? throw new DirectoryNotFoundException("run from inside the repository (problems/ not found)") : Path.Combine(dir.FullName, "problems");
}
