using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Bundles;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// The block scanner that splits a bundle into events must find exactly the object ends a plain byte-by-byte
/// scanner finds, for any bytes: braces and quotes inside strings, escapes at block edges, truncation.
/// </summary>
public class JsonObjectEndTests
{
    // Object-like text spanning several 64-byte blocks: filler, strings holding braces, quotes and backslashes,
    // nested objects; then cut short, or with one byte overwritten by a character that matters.
    private static readonly Gen<byte[]> Texts =
        from body in Segments(3)
        from tail in Gen.Elements("", ",{\"next\":{}}", "}\"{")
        from cut in Gen.Choose(0, 100)
        from poke in Gen.Choose(0, int.MaxValue)
        from pokeWith in Gen.Elements("{}\"\\a"u8.ToArray())
        select Damage([(byte)'{', .. body, (byte)'}', .. Encoding.ASCII.GetBytes(tail)], cut, poke, pokeWith);

    private static Gen<byte[]> Segments(int depth) =>
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Segment(depth), n)).Select(parts => parts.SelectMany(p => p).ToArray());

    private static Gen<byte[]> Segment(int depth)
    {
        var filler = Gen.Choose(0, 90).Select(n => Encoding.ASCII.GetBytes(new string('a', n)));
        var inString = Gen.Elements("a", "a", "a", "{", "}", "\\\"", "\\\\", "\\", "\\u0041", ":", ",");
        var text = Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(inString, n))
            .Select(parts => Encoding.ASCII.GetBytes("\"" + string.Concat(parts) + "\""));
        return depth == 0
            ? Gen.OneOf(filler, text)
            : Gen.OneOf(filler, text, Segments(depth - 1).Select(inner => (byte[])[(byte)'{', .. inner, (byte)'}']));
    }

    /// <summary>Now and then cut the text short or overwrite one byte, so unbalanced and broken texts are covered too.</summary>
    private static byte[] Damage(byte[] text, int cut, int poke, byte pokeWith)
    {
        if (cut < 15)
        {
            text = text[..(1 + (poke % text.Length))];
        }
        else if (cut < 30 && text.Length > 1)
        {
            text[1 + (poke % (text.Length - 1))] = pokeWith;
        }

        return text;
    }

    [Property(MaxTest = 10000)]
    public Property Finds_the_same_end_as_a_byte_by_byte_scanner() =>
        Prop.ForAll(Arb.From(Texts), FindsTheSameEnd);

    // Rows as an indented export writes them (mostly spaces and newlines, a quote or two in most 64-byte blocks, few
    // braces), several in a row, the first cut off or damaged now and then: the common case of the vector path.
    private static readonly Gen<byte[]> IndentedRows =
        from rows in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(IndentedObject(2, 2), n))
        from cut in Gen.Choose(0, 100)
        from poke in Gen.Choose(0, int.MaxValue)
        from pokeWith in Gen.Elements("{}\"\\ "u8.ToArray())
        select Damage(Encoding.ASCII.GetBytes(string.Join(",\n  ", rows)), cut, poke, pokeWith);

    private static Gen<string> IndentedObject(int depth, int indent)
    {
        var pad = new string(' ', indent + 2);
        // Most strings have no escape (their blocks take the vector path); one in five has some.
        string[] plain = ["a", "a", "a", "a", " ", "{", "}", ":"];
        string[] escaped = ["a", "{", "}", "\\\"", "\\\\", "\\u0041", "\\"];
        var text = Gen.Elements(plain, plain, plain, plain, escaped)
            .SelectMany(alphabet => Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(Gen.Elements(alphabet), n)))
            .Select(parts => "\"" + string.Concat(parts) + "\"");
        var value = depth == 0 ? text : Gen.OneOf(text, text, IndentedObject(depth - 1, indent + 2));
        var member = from key in text from v in value select $"{pad}{key}: {v}";
        return Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(member, n))
            .Select(members => members.Length == 0 ? "{}" : "{\n" + string.Join(",\n", members) + "\n" + new string(' ', indent) + "}");
    }

    [Property(MaxTest = 10000)]
    public Property Finds_the_same_end_as_a_byte_by_byte_scanner_in_indented_rows() =>
        Prop.ForAll(Arb.From(IndentedRows), FindsTheSameEnd);

    /// <summary>Both vector widths find the end the byte-by-byte scanner finds.</summary>
    private static Property FindsTheSameEnd(byte[] text)
    {
        var expected = ByteByByte(text);
        var (actual, with16ByteVectors) = (JsonObjectEnd.Find(text), JsonObjectEnd.FindWithVector128(text));
        return (actual == expected && with16ByteVectors == expected)
            .Label($"{Encoding.Latin1.GetString(text)}: expected {expected}, got {actual} ({with16ByteVectors} with 16-byte vectors)");
    }

    [Fact]
    public void Finds_the_end_of_a_realistic_event_row_past_braces_and_escapes_in_strings()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 60) + "\\\"}{\\\\\",\"b\":{\"c\":\"}}}\"},\"d\":[{}]}" + ",{\"next\":1}");
        var expected = bytes.AsSpan().IndexOf(",{\"next\""u8);
        Assert.Equal(expected, JsonObjectEnd.Find(bytes));
        Assert.Equal(-1, JsonObjectEnd.Find(bytes.AsSpan(0, expected - 1)));
        Assert.Equal(expected, JsonObjectEnd.FindWithVector128(bytes));
        Assert.Equal(-1, JsonObjectEnd.FindWithVector128(bytes.AsSpan(0, expected - 1)));
    }

    /// <summary>The scanner this replaced: depth of braces outside strings, stepping over the byte after a backslash in a string.</summary>
    private static int ByteByByte(ReadOnlySpan<byte> data)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < data.Length; i++)
        {
            if (inString)
            {
                if (data[i] == '\\')
                {
                    i++;
                }
                else if (data[i] == '"')
                {
                    inString = false;
                }
            }
            else if (data[i] == '"')
            {
                inString = true;
            }
            else if (data[i] == '{')
            {
                depth++;
            }
            else if (data[i] == '}' && --depth == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }
}
