// The test project's folders mirror the source tree; every test sees every other folder's helpers.
global using ExactConvexNN.Tests.Cli;
global using ExactConvexNN.Tests.Core.Arrangements;
global using ExactConvexNN.Tests.Core.Data;
global using ExactConvexNN.Tests.Core.Models;
global using ExactConvexNN.Tests.Core.Models.Poly;
global using ExactConvexNN.Tests.Core.Numerics;
global using ExactConvexNN.Tests.Core.Training;
global using ExactConvexNN.Tests.Core.Verification;
global using ExactConvexNN.Tests.Core.Visualization;
global using ExactConvexNN.Tests.Fuzz;
global using ExactConvexNN.Tests.Solver;
global using ExactConvexNN.Tests.Solver.Cones;
global using ExactConvexNN.Tests.Solver.Formats;
global using ExactConvexNN.Tests.Solver.Kkt;
global using ExactConvexNN.Tests.Solver.Linear;
global using ExactConvexNN.Tests.Support;
