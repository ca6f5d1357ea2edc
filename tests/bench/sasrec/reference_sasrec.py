#!/usr/bin/python3
"""Runs the Flower authors' own SASRec script (with_history/code/train_and_get_logits.py of
Mr-Peach0301/Flower) on the CPU, on our dataset files, in a temporary folder, and prints its
seconds per epoch (training + the full-ranking evaluation of valid, test and train that it does
after every epoch).

The reference's code is NOT part of this project: pass the two files (or a git dir of the
reference to read them from). One line is patched so that it runs on a CPU at all: forward()
moves the position ids to 'cuda' by name (forward_eval uses self.device); it becomes
self.device. Everything else runs as published (DataLoader with num_workers=8, etc.).

Seconds per epoch = (wall time of an N-epoch run − that of a 1-epoch run) / (N − 1), so that
interpreter start-up, imports and data loading cancel out.

  reference_sasrec.py --reference-git DIR | --reference-code DIR  [--dataset DIR] [--epochs 3] [--threads 2]
"""
import argparse, ast, csv, json, os, pickle, subprocess, sys, tempfile, time


def read_split(path):
    rows = []
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            hist = [int(x) for x in ast.literal_eval(r['history_item_id'])]
            rows.append((hist, int(r['item_id'])))
    return rows


def write_pickles(dataset, out):
    import pandas as pd
    splits = {'train.pkl': read_split(os.path.join(dataset, 'train.csv')),
              'eval.pkl': read_split(os.path.join(dataset, 'valid.csv')),
              'test.pkl': read_split(os.path.join(dataset, 'test.csv'))}
    items = 0
    with open(os.path.join(dataset, 'items.tsv')) as f:
        for line in f:
            items = max(items, int(line.rstrip('\n').split('\t')[1]) + 1)
    for name, rows in splits.items():
        for h, t in rows:
            items = max(items, t + 1, *(x + 1 for x in h))
    seq_size = max(len(h) for rows in splits.values() for h, _ in rows)
    for name, rows in splits.items():  # the reference's preprocess.py layout
        data = [[h + [items] * (seq_size - len(h)), [0] * seq_size, len(h), t] for h, t in rows]
        pd.DataFrame(data, columns=['seq', 'pos', 'len_seq', 'next']).to_pickle(os.path.join(out, name))
    with open(os.path.join(out, 'data_statis.pkl'), 'wb') as f:
        pickle.dump({'seq_size': [seq_size], 'item_num': [items]}, f)
    return items, seq_size


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--reference-git')
    p.add_argument('--reference-code')
    p.add_argument('--dataset', default=os.path.join(os.path.dirname(__file__), '../../../../shared/data/Movies_and_TV'))
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--threads', type=int, default=2, help='OMP_NUM_THREADS of the reference run')
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix='flower-reference-sasrec-')
    code = os.path.join(tmp, 'code')
    os.makedirs(code)
    for name in ('train_and_get_logits.py', 'SASRecModules_ori.py'):
        if a.reference_git:
            text = subprocess.check_output(['git', '--git-dir', a.reference_git, 'show',
                                            'HEAD:with_history/code/' + name]).decode()
        else:
            text = open(os.path.join(a.reference_code, name)).read()
        if name == 'train_and_get_logits.py':
            text = text.replace("torch.arange(self.state_size).to('cuda')",
                                "torch.arange(self.state_size).to(self.device)")
        open(os.path.join(code, name), 'w').write(text)
    data = os.path.join(tmp, 'data')
    os.makedirs(data)
    items, seq = write_pickles(a.dataset, data)
    base = [sys.executable, os.path.join(code, 'train_and_get_logits.py'), '--data', data,
            '--model', 'SASRec', '--category', 'Movies_and_TV',
            '--group_ids', os.path.join(a.dataset, 'reference_group_title_8.json'),
            '--info_file', os.path.join(a.dataset, 'items.tsv')]
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads))
    probe = subprocess.check_output([sys.executable, '-c', 'import torch; print(torch.__version__, torch.get_num_threads())'],
                                    env=env).decode().split()
    print(f'reference SASRec: {items} items, state_size {seq}, torch {probe[0]}, {probe[1]} threads', flush=True)
    times = {}
    for n in (1, a.epochs):
        t0 = time.time()
        r = subprocess.run(base + ['--epoch', str(n), '--result_json_path',
                                   os.path.join(tmp, f'result{n}', 'temp.json')],
                           cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        times[n] = time.time() - t0
        if r.returncode != 0:
            print(r.stdout.decode()[-3000:])
            sys.exit(1)
        result = json.load(open(os.path.join(tmp, f'result{n}', 'temp.json')))
        print(f'{n} epoch(s): {times[n]:.1f} s wall; test NDCG@5 {result["NDCG"]["5"]:.4f} '
              f'HR@5 {result["HR"]["5"]:.4f}', flush=True)
    per_epoch = (times[a.epochs] - times[1]) / (a.epochs - 1)
    print(f'reference: {per_epoch:.3f} s per epoch (train + eval of valid, test, train)')


if __name__ == '__main__':
    main()
