namespace EdgeRuntime.Quantization;

/// <summary>A one-line progress bar on a text writer (stderr), redrawn with a carriage return.</summary>
public sealed class ProgressBar(TextWriter writer, string label) : IProgress<(int Done, int Total, string Item)>
{
    public void Report((int Done, int Total, string Item) value)
    {
        const int width = 30;
        int filled = value.Total == 0 ? width : value.Done * width / value.Total;
        writer.Write($"\r{label} [{new string('#', filled)}{new string(' ', width - filled)}] {value.Done}/{value.Total} {value.Item,-32}");
        if (value.Done == value.Total) writer.WriteLine();
        writer.Flush();
    }
}
