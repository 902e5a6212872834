---------------------------------- MODULE Svg ----------------------------------
(***************************************************************************)
(* The community module SVG and IOUtils' text Serialize: TLC (with its    *)
(* CommunityModules jar) checks every ASSUME but those of SVGDoc, Image    *)
(* and zeroPadN, which its jar predates (their values follow the modules'  *)
(* current definitions). DIR is where a file is written and read back.    *)
(***************************************************************************)
EXTENDS Integers, Sequences, TLC, SVG
CONSTANT DIR
\* IOUtils through a named instance, its arguments using SVG's operators (as animation specs do).
IO == INSTANCE IOUtils
VARIABLE x

Drawing == Group(<<Rect(1, 2, 3, 4, [fill |-> "red", stroke_width |-> "2"]),
                   Text(5, 6, "a <<b>>", <<>>),
                   Circle(7, 8, 9, [fill |-> "blue"])>>, [transform |-> "x"])

ASSUME SVGElemToString(Drawing) =
    "<g transform='x'><rect x='1' fill='red' stroke-width='2' y='2' width='3' height='4'>" \o
    "</rect><text x='5' y='6'>a &lt;&lt;b&gt;&gt;</text>" \o
    "<circle fill='blue' cx='7' cy='8' r='9'></circle></g>"
ASSUME Drawing.name = "g" /\ Len(Drawing.children) = 3 /\ Drawing.innerText = ""
ASSUME NodeOfRingNetwork(10, 10, 5, 1, 3) = [x |-> 7, y |-> 14]
ASSUME NodeOfRingNetwork(100, 100, 50, 7, 9) = [x |-> 108, y |-> 50]
ASSUME PointOnLine([x |-> 0, y |-> 0], [x |-> 10, y |-> -7], 3) = [x |-> 3, y |-> -2]
ASSUME IO!Serialize("hello", DIR \o "/out.txt",
                 [format |-> "TXT", charset |-> "UTF-8",
                  openOptions |-> <<"WRITE", "CREATE", "TRUNCATE_EXISTING">>]).exitValue = 0
ASSUME IO!Deserialize(DIR \o "/out.txt", [format |-> "TXT", charset |-> "UTF-8"]) =
    [exitValue |-> 0, stdout |-> "hello", stderr |-> ""]
ASSUME IO!Deserialize(DIR \o "/missing.txt", [format |-> "TXT", charset |-> "UTF-8"]).exitValue = 1
ASSUME IO!Serialize("x", DIR \o "/bad.txt", [format |-> "TXT", charset |-> "UTF-8",
                                              openOptions |-> <<"WRITEA">>]).exitValue = 1
ASSUME IO!Serialize("x", DIR \o "/bad.txt", [format |-> "TXT", charset |-> "UTF-8"]).exitValue = 1
ASSUME IO!Serialize(SVGElemToString(Drawing), DIR \o "/drawing.svg",
                    [format |-> "TXT", charset |-> "UTF-8",
                     openOptions |-> <<"WRITE", "CREATE", "TRUNCATE_EXISTING">>]).exitValue = 0
\* Newer than TLC's jar here, from the modules' definitions:
ASSUME IO!zeroPadN(42, 5) = "00042" /\ IO!zeroPadN(1234, 3) = "1234"
ASSUME SVGElemToString(SVGDoc(Line(1, 2, 3, 4, <<>>), 0, 0, 100, 50, <<>>)) =
    "<svg xmlns:xlink='http://www.w3.org/1999/xlink' xmlns='http://www.w3.org/2000/svg' " \o
    "viewBox='0 0 100 50'><line x1='1' y1='2' x2='3' y2='4'></line></svg>"
ASSUME SVGSerialize(Drawing, DIR \o "/frame_", 7).exitValue = 0

Init == x = 0
Next == x' = x
=============================================================================
