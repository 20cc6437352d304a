"""The sample table of the browser: keys that tell samples apart."""
import pandas as pd

from kolena_lab.ui._table import _key_text


def test_sample_key_text_handles_missing_values_column_wise():
    frame = pd.DataFrame({"locator": ["a.png", "a.png", "b.png"], "crop": ["left", None, None],
                          "scale": [1.0, float("nan"), 2.0]})
    keys = _key_text(frame, ["locator", "crop", "scale"]).tolist()
    assert len(set(keys)) == 3 and keys[1] != _key_text(frame.iloc[[0]], ["locator", "crop", "scale"]).iloc[0]
    assert _key_text(frame, ["crop"]).tolist()[1:] == ["\x00", "\x00"]
