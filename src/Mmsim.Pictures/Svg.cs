using System.Globalization;
using System.Text;

namespace Mmsim.Pictures;

/// <summary>
/// A small SVG writer: shapes and text appended to one string, every number written with the
/// invariant culture and at most two decimals, every text XML-escaped, so the same model gives
/// the same bytes. Not an XML library: callers open and close groups in order.
/// </summary>
internal sealed class Svg
{
    private readonly StringBuilder _sb = new(8192);
    private readonly double _width;
    private readonly double _height;

    /// <summary>Starts a picture of the given size with a white background, a title (the
    /// accessible name, and the heading drawn at the top left) and the shared font settings.</summary>
    public Svg(double width, double height, string title)
    {
        _width = width;
        _height = height;
        _sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(N(width))
            .Append("\" height=\"").Append(N(height)).Append("\" viewBox=\"0 0 ").Append(N(width)).Append(' ')
            .Append(N(height)).Append("\" font-family=\"").Append(Palette.Sans).Append("\" font-size=\"12\">\n");
        _sb.Append("<title>").Append(Escape(title)).Append("</title>\n");
        Rect(0, 0, width, height, "#ffffff");
        Text(12, 22, title, size: 15, weight: "bold");
    }

    public double Width => _width;

    public double Height => _height;

    /// <summary>A filled rectangle, with an outline when <paramref name="stroke"/> is given.</summary>
    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null, double strokeWidth = 1,
        double rx = 0, string? dash = null)
    {
        _sb.Append("<rect x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append("\" width=\"").Append(N(Math.Max(w, 0)))
            .Append("\" height=\"").Append(N(Math.Max(h, 0))).Append("\" fill=\"").Append(fill).Append('"');
        if (rx > 0)
        {
            _sb.Append(" rx=\"").Append(N(rx)).Append('"');
        }
        Stroke(stroke, strokeWidth, dash);
        _sb.Append("/>\n");
    }

    /// <summary>A straight line.</summary>
    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null,
        bool arrow = false)
    {
        _sb.Append("<line x1=\"").Append(N(x1)).Append("\" y1=\"").Append(N(y1)).Append("\" x2=\"").Append(N(x2))
            .Append("\" y2=\"").Append(N(y2)).Append('"');
        Stroke(stroke, width, dash);
        _sb.Append("/>\n");
        if (arrow)
        {
            ArrowHead(x1, y1, x2, y2, stroke);
        }
    }

    /// <summary>A path from its "d" text (callers build it with <see cref="N"/>).</summary>
    public void Path(string d, string fill, string? stroke = null, double width = 1, string? dash = null, double opacity = 1)
    {
        _sb.Append("<path d=\"").Append(d).Append("\" fill=\"").Append(fill).Append('"');
        if (opacity < 1)
        {
            _sb.Append(" fill-opacity=\"").Append(N(opacity)).Append('"');
        }
        Stroke(stroke, width, dash);
        _sb.Append("/>\n");
    }

    /// <summary>A filled triangle at the end (x2, y2) of a line from (x1, y1).</summary>
    public void ArrowHead(double x1, double y1, double x2, double y2, string fill, double size = 7)
    {
        double a = Math.Atan2(y2 - y1, x2 - x1);
        double lx = x2 - (size * Math.Cos(a - 0.4));
        double ly = y2 - (size * Math.Sin(a - 0.4));
        double rx = x2 - (size * Math.Cos(a + 0.4));
        double ry = y2 - (size * Math.Sin(a + 0.4));
        Path($"M{N(x2)},{N(y2)} L{N(lx)},{N(ly)} L{N(rx)},{N(ry)} Z", fill);
    }

    /// <summary>
    /// A text at (x, y) (the baseline), escaped. <paramref name="anchor"/> is start, middle or end;
    /// <paramref name="mono"/> selects the monospace font used for addresses and numbers.
    /// </summary>
    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = Palette.Ink,
        bool mono = false, string? weight = null, bool italic = false, double rotate = 0)
    {
        _sb.Append("<text x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append('"');
        if (size != 12)
        {
            _sb.Append(" font-size=\"").Append(N(size)).Append('"');
        }
        if (anchor != "start")
        {
            _sb.Append(" text-anchor=\"").Append(anchor).Append('"');
        }
        if (fill != Palette.Ink)
        {
            _sb.Append(" fill=\"").Append(fill).Append('"');
        }
        if (mono)
        {
            _sb.Append(" font-family=\"").Append(Palette.Mono).Append('"');
        }
        if (weight is not null)
        {
            _sb.Append(" font-weight=\"").Append(weight).Append('"');
        }
        if (italic)
        {
            _sb.Append(" font-style=\"italic\"");
        }
        if (rotate != 0)
        {
            _sb.Append(" transform=\"rotate(").Append(N(rotate)).Append(' ').Append(N(x)).Append(' ').Append(N(y)).Append(")\"");
        }
        _sb.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    /// <summary>A legend entry: a colour swatch and its meaning; returns the x after it.</summary>
    public double LegendItem(double x, double y, string fill, string label, string? stroke = null)
    {
        Rect(x, y - 10, 14, 12, fill, stroke ?? Palette.Outline);
        Text(x + 19, y, label, size: 11);
        return x + 19 + (label.Length * 6.9) + 16;
    }

    /// <summary>Opens a group carrying a class (for the HTML page and the tests).</summary>
    public void BeginGroup(string cssClass)
    {
        _sb.Append("<g class=\"").Append(Escape(cssClass)).Append("\">\n");
    }

    public void EndGroup()
    {
        _sb.Append("</g>\n");
    }

    /// <summary>Ends the picture and returns its text.</summary>
    public string Finish()
    {
        _sb.Append("</svg>\n");
        return _sb.ToString();
    }

    /// <summary>A number as SVG wants it: invariant culture, at most two decimals.</summary>
    public static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Escapes the five XML special characters and drops characters XML 1.0 forbids.</summary>
    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '"':
                    sb.Append("&quot;");
                    break;
                case '\'':
                    sb.Append("&apos;");
                    break;
                default:
                    if (c >= 0x20 || c is '\t' or '\n' or '\r')
                    {
                        sb.Append(c is '\uFFFE' or '\uFFFF' ? '?' : c);
                    }
                    else
                    {
                        sb.Append('?');
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    private void Stroke(string? stroke, double width, string? dash)
    {
        if (stroke is null)
        {
            return;
        }
        _sb.Append(" stroke=\"").Append(stroke).Append('"');
        if (width != 1)
        {
            _sb.Append(" stroke-width=\"").Append(N(width)).Append('"');
        }
        if (dash is not null)
        {
            _sb.Append(" stroke-dasharray=\"").Append(dash).Append('"');
        }
    }
}
