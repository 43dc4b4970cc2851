namespace ExactConvexNN.Solver;

/// <summary>
/// Invalid user input (a malformed file, a bad value, sizes that cannot be handled). The message is one
/// line that names the problem and the fix; the command line prints it and exits with code 2.
/// </summary>
public class InputException(string message) : Exception(message);
