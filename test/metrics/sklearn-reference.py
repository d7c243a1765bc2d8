"""Reference values of the metric tests: reads cases as JSON on stdin, prints scikit-learn's values as JSON."""
import json
import sys

import numpy as np
from sklearn import metrics
from sklearn.preprocessing import label_binarize


def classification(case):
    y_true = np.array(case["trueLabels"])
    scores = np.array(case["scores"])  # (n, k)
    y_pred = np.array(case["predictedLabels"])
    k = scores.shape[1]
    out = {}
    for avg in ["macro", "micro", "weighted"]:
        out[f"f1_{avg}"] = metrics.f1_score(y_true, y_pred, average=avg, zero_division=0)
        out[f"precision_{avg}"] = metrics.precision_score(y_true, y_pred, average=avg, zero_division=0)
        out[f"recall_{avg}"] = metrics.recall_score(y_true, y_pred, average=avg, zero_division=0)
    if k == 2:
        pos = case["positiveClass"]
        out["f1"] = metrics.f1_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["precision"] = metrics.precision_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["recall"] = metrics.recall_score(y_true, y_pred, pos_label=pos, zero_division=0)
        out["auc"] = metrics.roc_auc_score(y_true == pos, scores[:, pos])
        out["pr_auc"] = metrics.average_precision_score(y_true == pos, scores[:, pos])
    else:
        out["auc"] = metrics.roc_auc_score(y_true, scores, multi_class="ovr", average="macro")
        out["pr_auc"] = metrics.average_precision_score(label_binarize(y_true, classes=list(range(k))), scores, average="macro")
    return out


def regression(case):
    y_true = np.array(case["yTrue"])
    y_pred = np.array(case["yPred"])
    return {
        "r2": metrics.r2_score(y_true, y_pred),
        "mae": metrics.mean_absolute_error(y_true, y_pred),
        "rmse": float(np.mean(np.sqrt(metrics.mean_squared_error(y_true, y_pred, multioutput="raw_values")))),
    }


cases = json.load(sys.stdin)
print(json.dumps([classification(c) if c["kind"] == "classification" else regression(c) for c in cases]))
