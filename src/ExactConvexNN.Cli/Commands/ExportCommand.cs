using System.CommandLine;
using ExactConvexNN.Export;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn export NET.json --onnx NET.onnx</c>: a saved network of any family as an ONNX model (input "x", float64
/// N x inputs; output "y", float64 N x outputs) for ONNX Runtime and other tools.
/// </summary>
public static class ExportCommand
{
    /// <summary>The <c>export</c> command.</summary>
    public static Command Create()
    {
        var net = new Argument<FileInfo>("network") { Description = "network file written by 'ecnn train --out'" };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "write the network as an ONNX model (opset 13, float64 input \"x\" N x inputs, output \"y\" N x outputs)" };
        var cmd = new Command("export", "Write a trained network in another format (ONNX).") { net, onnx };
        cmd.SetAction(pr => CliRunner.Guard(() =>
        {
            var input = pr.GetValue(net)!;
            var output = pr.GetValue(onnx) ?? throw new InputException("export needs an output format: give --onnx FILE, for example 'ecnn export net.json --onnx net.onnx'");
            CliRunner.CheckOutput(output, input);
            var network = ModelRegistry.Load(input.FullName);
            var bytes = OnnxExport.ToOnnx(network);
            CliRunner.WriteFileAtomically(output.FullName, bytes);
            Console.WriteLine($"wrote {output} ({bytes.Length:N0} bytes): ONNX opset {OnnxExport.Opset}, input \"x\" [N, {network.Architecture.Inputs}] float64, output \"y\" [N, {network.Architecture.Outputs}] float64");
            return 0;
        }));
        return cmd;
    }
}
