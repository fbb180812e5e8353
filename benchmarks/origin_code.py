"""The origin notebook's own code, vendored as the baseline of benchmarks/epoch.py.

Where it came from: the origin notebook of this project (the text dump kept beside the project as
shared/seed/000_c16326f559edc5e0.txt, cells In [11] to In [15]). The project never reads that file: this copy is
what the benchmark runs.

Kept as the notebook wrote it: the MLP class built up over four cells (each `class MLP(MLP)` extends the
previous one), relu, relu_derivative, softmax, forward, compute_loss, backward (which also applies the update),
accuracy and train_mlp, line for line. What was changed:
- the comments are dropped, and so is the `print` of train_mlp (it prints only when (epoch + 1) % 5 == 0, so
  it never fires in a one-epoch run either);
- data loading: the notebook downloaded MNIST with torchvision (not available here) and then did
  `np.array(train_X) / 255.0`; `load_origin_data` below gives the same float64 arrays from
  numpy_mlp.data.load_mnist(raw=True), divided by 255.0 the same way;
- `minibatch_loop` is not a function of the notebook: it is the inner `for i in range(...)` loop of
  train_mlp, its lines unchanged, lifted out so that the SGD pass can be timed without the accuracy on
  70,000 images that train_mlp computes after every epoch.
"""
import numpy as np


class MLP:
    def __init__(self, input_size, hidden_size, output_size, l2_lambda = 0.001):
        self.W1 = np.random.randn(input_size, hidden_size) * 0.01
        self.b1 = np.zeros((1, hidden_size))

        self.W2 = np.random.randn(hidden_size, output_size) * 0.01
        self.b2 = np.zeros((1, output_size))
        self.l2_lambda = l2_lambda

    def relu(self, x):
        return np.maximum(0, x)

    def relu_derivative(self, x):
        return (x > 0).astype(float)

    def softmax(self, x):
        exp_x = np.exp(x - np.max(x, axis=1, keepdims=True))
        return exp_x / np.sum(exp_x, axis=1, keepdims=True)


class MLP(MLP):
    def forward(self, X):
        self.z1 = X.dot(self.W1) + self.b1
        self.a1 = self.relu(self.z1)

        self.z2 = self.a1.dot(self.W2) + self.b2
        output = self.softmax(self.z2)

        return output


class MLP(MLP):
    def compute_loss(self, y, output):
        y_one_hot = np.eye(10)[y]

        cross_entropy_loss = -np.sum(y_one_hot * np.log(output + 1e-8)) / y.shape[0]

        l2_loss = (self.l2_lambda / 2) * (np.sum(np.square(self.W1)) + np.sum(np.square(self.W2)))

        total_loss = cross_entropy_loss + l2_loss
        return total_loss


class MLP(MLP):
    def backward(self, X, y, output, learning_rate):
        y_one_hot = np.eye(10)[y]

        d_z2 = output - y_one_hot

        d_W2 = self.a1.T.dot(d_z2) / X.shape[0] + self.l2_lambda * self.W2
        d_b2 = np.sum(d_z2, axis=0, keepdims=True) / X.shape[0]

        d_a1 = d_z2.dot(self.W2.T)

        d_z1 = d_a1 * self.relu_derivative(self.z1)

        d_W1 = X.T.dot(d_z1) / X.shape[0] + self.l2_lambda * self.W1
        d_b1 = np.sum(d_z1, axis=0, keepdims=True) / X.shape[0]

        self.W1 -= learning_rate * d_W1
        self.b1 -= learning_rate * d_b1
        self.W2 -= learning_rate * d_W2
        self.b2 -= learning_rate * d_b2


def accuracy(predictions, labels):
    return np.mean(predictions == labels) * 100

def train_mlp(mlp, train_X, train_y, test_X, test_y, epochs, batch_size=64, learning_rate=0.01):
    for epoch in range(epochs):
        for i in range(0, len(train_X), batch_size):

            X_batch = train_X[i:i+batch_size]
            y_batch = train_y[i:i+batch_size]

            output = mlp.forward(X_batch)

            mlp.backward(X_batch, y_batch, output, learning_rate)

        train_predictions = np.argmax(mlp.forward(train_X), axis=1)
        train_accuracy = accuracy(train_predictions, train_y)

        test_predictions = np.argmax(mlp.forward(test_X), axis=1)
        test_accuracy = accuracy(test_predictions, test_y)
        loss = mlp.compute_loss(y_batch, output)


# Not the notebook's: see the module's docstring.

def minibatch_loop(mlp, train_X, train_y, batch_size=64, learning_rate=0.01):
    "train_mlp's inner loop, its lines unchanged: one SGD pass over the training set, nothing else."
    for i in range(0, len(train_X), batch_size):

        X_batch = train_X[i:i+batch_size]
        y_batch = train_y[i:i+batch_size]

        output = mlp.forward(X_batch)

        mlp.backward(X_batch, y_batch, output, learning_rate)

def load_origin_data():
    "The origin's arrays: float64 images in [0, 1] (uint8 / 255.0) and int64 labels, train and test."
    from numpy_mlp.data import load_mnist
    (train_X, train_y), (test_X, test_y) = load_mnist(raw=True)
    return train_X / 255.0, train_y, test_X / 255.0, test_y
