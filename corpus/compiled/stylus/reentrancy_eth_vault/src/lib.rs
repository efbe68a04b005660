//! EthVault: deposit ETH, withdraw it later. The crate enables stylus-sdk's
//! `reentrant` feature because the vault is meant to be used by smart
//! wallets that call back into it (deposit the change, withdraw more).
//!
//! With `--features vulnerable` `withdraw` sends the ETH with a plain call to
//! the sender before zeroing the sender's balance: a contract wallet's
//! `receive()` re-enters `withdraw` and is paid the same balance again
//! (checks-effects-interactions broken). The remediation zeroes the balance
//! before the external call.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_sol_types::sol;
use stylus_sdk::{
    alloy_primitives::{Address, U256},
    call::call,
    prelude::*,
};

sol! {
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
}

#[derive(SolidityError)]
pub enum VaultError {
    NothingToWithdraw(NothingToWithdraw),
    WithdrawFailed(WithdrawFailed),
}

sol_storage! {
    #[entrypoint]
    pub struct EthVault {
        mapping(address => uint256) balances;
        uint256 total_deposits;
    }
}

#[public]
impl EthVault {
    #[payable]
    pub fn deposit(&mut self) {
        let sender = self.vm().msg_sender();
        let amount = self.vm().msg_value();
        let balance = self.balances.get(sender);
        self.balances.insert(sender, balance + amount);
        self.total_deposits.set(self.total_deposits.get() + amount);
        self.vm().log(Deposited { account: sender, amount });
    }

    pub fn withdraw(&mut self) -> Result<(), VaultError> {
        let sender = self.vm().msg_sender();
        let amount = self.balances.get(sender);
        if amount.is_zero() {
            return Err(VaultError::NothingToWithdraw(NothingToWithdraw { account: sender }));
        }

        #[cfg(not(feature = "vulnerable"))]
        {
            self.balances.insert(sender, U256::ZERO);
            self.total_deposits.set(self.total_deposits.get() - amount);
        }

        let context = Call::new_payable(self, amount);
        call(self.vm(), context, sender, &[]).map_err(|_| {
            VaultError::WithdrawFailed(WithdrawFailed { account: sender, amount })
        })?;

        #[cfg(feature = "vulnerable")]
        {
            self.balances.insert(sender, U256::ZERO);
            self.total_deposits.set(self.total_deposits.get() - amount);
        }

        self.vm().log(Withdrawn { account: sender, amount });
        Ok(())
    }

    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }
}
