# Helpers of train.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def model_files(dataset):
    return {
        "model": f"results/{dataset}/model/model.pt",
        "metrics_csv": f"results/{dataset}/model/metrics.csv",
        "metrics_json": f"results/{dataset}/model/metrics.json",
        "predictions": f"results/{dataset}/model/predictions.parquet",
    }


def resume_folder(dataset):
    """Training's last-epoch checkpoint (not an output: a killed job's rerun must keep it)."""
    return f"results/{dataset}/model/resume"


def train_options():
    """The training knobs (a params entry: changes retrain)."""
    return TRAIN.as_dict()


# Training asks for TRAIN_THREADS unless it is small: under TRAIN_SMALL image-epochs (training
# images x epochs; the offline example's 500 x 3) the job's time is Lightning's start and a
# few seconds of training, one thread's work, so it asks for one and leaves the other cores
# to other jobs (benchmarks/README.md, "Threads of small jobs"). The digits default
# (1,437 x 30) keeps its threads.
TRAIN_THREADS = 8
TRAIN_SMALL = 10_000


def train_threads(wildcards, input):
    """The training job's threads: one for a small training set and few epochs, else
    TRAIN_THREADS (also before the data is written: the most it may ask for)."""
    shape = npy_shape(input.train_x)
    if shape is None or shape[0] * TRAIN.epochs >= TRAIN_SMALL:
        return TRAIN_THREADS
    return 1


def train_gpus():
    """One GPU for the training and embedding jobs when the config asks for CUDA."""
    return 1 if TRAIN.device == "cuda" else 0


# Embedding a space asks for EMBED_THREADS unless its images (training and test) are fewer
# than EMBED_SMALL: one forward pass over them is then a second or two, and the job's time is
# Python's and torch's start, so it asks for one and leaves the other cores to other jobs
# (benchmarks/README.md, "Threads of small jobs").
EMBED_THREADS = 4
EMBED_SMALL = 10_000


def embed_threads(wildcards, input):
    """An embedding job's threads: one for few images, else EMBED_THREADS (also before the
    data is written: the most it may ask for)."""
    shapes = [npy_shape(input.train_x), npy_shape(input.test_x)]
    if any(shape is None for shape in shapes):
        return EMBED_THREADS
    return 1 if sum(shape[0] for shape in shapes) < EMBED_SMALL else EMBED_THREADS


def network_recipe():
    """What the network-accuracy claim compares (a params entry of the claims rule)."""
    return {
        "depth": TRAIN.depth,
        "epochs": TRAIN.epochs,
        "full_training_set": config["subset"]["n_train"] is None,
    }
