using System.Diagnostics.CodeAnalysis;

namespace SegmentImage;

/// <summary>The parsed command line: three paths and an optional thread count.</summary>
internal sealed record CommandLine(string ModelPath, string ImagePath, string OutputPath, int Threads)
{
    public static bool TryParse(string[] args, [NotNullWhen(true)] out CommandLine? options, [NotNullWhen(false)] out string? problem)
    {
        options = null;
        var paths = new List<string>();
        int threads = 1;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--threads")
            {
                if (i + 1 >= args.Length || !int.TryParse(args[++i], out threads) || threads is < 1 or > 64)
                {
                    problem = "--threads needs a number from 1 to 64";
                    return false;
                }
            }
            else if (args[i].StartsWith('-'))
            {
                problem = $"unknown option {args[i]}";
                return false;
            }
            else paths.Add(args[i]);
        }
        if (paths.Count != 3)
        {
            problem = $"expected 3 paths (model, image, output PNG), got {paths.Count}";
            return false;
        }
        options = new CommandLine(paths[0], paths[1], paths[2], threads);
        problem = null;
        return true;
    }
}
