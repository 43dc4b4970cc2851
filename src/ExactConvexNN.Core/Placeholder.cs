namespace ExactConvexNN; internal static class Placeholder {}
