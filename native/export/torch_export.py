"""Exact export for `wattlens profile --exact`: runs the user's file in their own Python (its top level
only: `if __name__ == "__main__":` blocks do not run), finds the model instance the analysis named, and
writes it with torch.onnx.export. Reads one JSON request on stdin; prints one JSON line with the outcome."""
import json
import runpy
import sys
import traceback


def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(0)


def find_model(namespace, name, torch):
    """A module-level nn.Module bound to `name`, or an instance of a class named `name`, or that class built without arguments."""
    modules = [(key, value) for key, value in namespace.items() if isinstance(value, torch.nn.Module)]
    for key, value in modules:
        if key == name:
            return value, "variable %s" % key
    for key, value in modules:
        if type(value).__name__ == name:
            return value, "variable %s (a %s)" % (key, name)
    cls = namespace.get(name)
    if isinstance(cls, type) and issubclass(cls, torch.nn.Module):
        try:
            return cls(), "%s() built with no arguments" % name
        except Exception as error:  # noqa: BLE001 - the message goes back to the user
            fail("found class %s but %s() fails: %s" % (name, name, error))
    fail("the file's top level binds no %s instance (it may be built inside a function)" % name)


def make_inputs(specs, torch):
    inputs = []
    for spec in specs:
        if spec["type"] in ("int64", "int32"):
            below = max(int(spec.get("integersBelow") or 2), 1)
            inputs.append(torch.randint(0, below, tuple(spec["shape"]), dtype=torch.long))
        else:
            inputs.append(torch.randn(*spec["shape"]))
    return inputs


def main():
    request = json.load(sys.stdin)
    try:
        import torch
    except Exception as error:  # noqa: BLE001
        fail("this Python (%s) has no torch: %s" % (sys.executable, error))
    sys.path.insert(0, request["directory"])
    try:
        namespace = runpy.run_path(request["script"], run_name="__wattlens_export__")
    except SystemExit:
        fail("the file called sys.exit() while its top level ran")
    except Exception:  # noqa: BLE001
        fail("running the file's top level failed: %s" % traceback.format_exc(limit=3).strip().splitlines()[-1])
    model, found = find_model(namespace, request["model"], torch)
    model.eval()
    inputs = make_inputs(request["inputs"], torch)
    names = ["input%d" % i for i in range(len(inputs))]
    try:
        with torch.no_grad():
            torch.onnx.export(model, tuple(inputs), request["output"], opset_version=request["opset"],
                              input_names=names, do_constant_folding=True)
    except Exception:  # noqa: BLE001
        fail("torch.onnx.export failed: %s" % traceback.format_exc(limit=3).strip().splitlines()[-1])
    print(json.dumps({"ok": True, "found": found, "torch": torch.__version__, "python": sys.version.split()[0]}))


main()
