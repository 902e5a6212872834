---------------------------------- MODULE Io ----------------------------------
(***************************************************************************)
(* TLC's modules that reach outside the spec: IOUtils (environment,        *)
(* commands), Json (text and files), CSV and TLCExt's value operators. DIR *)
(* is the directory the files are written to (CSV appends: run it once).  *)
(***************************************************************************)
EXTENDS Integers, Sequences, TLC, TLCExt, IOUtils, Json, CSV
CONSTANT DIR
VARIABLE x

Echo == IOEnvExec([VALENCE_IO |-> "hello"], <<"sh", "-c", "printf %s \"$VALENCE_IO\"">>)
Template == IOExecTemplate(<<"sh", "-c", "printf '%s-%s' && exit 3", "a">>, <<"x", "y">>)

ASSUME Echo = [exitValue |-> 0, stdout |-> "hello", stderr |-> ""]
ASSUME Template.exitValue = 3 /\ Template.stdout = "x-y"
ASSUME "PATH" \in DOMAIN IOEnv
ASSUME atoi("42") = 42 /\ atoi("-7") = -7
ASSUME ToJson([a |-> <<1, "b">>, c |-> {TRUE}]) = "{\"a\":[1,\"b\"],\"c\":[true]}"
ASSUME ToJson(1 :> "x" @@ 3 :> "y") = "{\"1\":\"x\",\"3\":\"y\"}"
ASSUME JsonSerialize(DIR \o "/out.json", <<[a |-> 1], 2>>)
ASSUME JsonDeserialize(DIR \o "/out.json") = <<[a |-> 1], 2>>
ASSUME ndJsonSerialize(DIR \o "/out.ndjson", <<"s", <<3>>>>)
ASSUME ndJsonDeserialize(DIR \o "/out.ndjson") = <<"s", <<3>>>>
ASSUME TLCModelValue("m") = TLCModelValue("m") /\ TLCModelValue("m") # TLCModelValue("n")
ASSUME TLCNoOp(5) = 5
ASSUME AssertEq(1, 1) /\ ~AssertEq(1, 2)
ASSUME TLCGetOrDefault(3, 10) = 10
ASSUME TLCGetAndSet(3, +, 5, 10) = 10 /\ TLCGet(3) = 15
ASSUME CSVRecords(DIR \o "/out.csv") = 0
ASSUME CSVWrite("%1$s#%2$s", <<"abc", {42}>>, DIR \o "/out.csv")
ASSUME CSVRecords(DIR \o "/out.csv") = 1

Init == x = 0
Next == x < 2 /\ x' = TLCCache(x + 1, {x})
UsesTrace == x < 2 \/ Len(Trace) > 0
=============================================================================
