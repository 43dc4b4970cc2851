namespace ExactConvexNN.Solver; internal static class Placeholder {}
